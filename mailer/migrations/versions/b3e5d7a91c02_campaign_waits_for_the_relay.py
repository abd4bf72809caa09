"""campaign waits for the relay: when the relay became unavailable, its answer, the
failed tries in a row and the next try

Revision ID: b3e5d7a91c02
Revises: 8d41f0c3a2e7
Create Date: 2026-11-30 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b3e5d7a91c02"
down_revision = "8d41f0c3a2e7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("relay_down_since", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("relay_reply", sa.String(500)))
        batch.add_column(sa.Column("relay_failures", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("relay_retry_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        for column in ("relay_retry_at", "relay_failures", "relay_reply", "relay_down_since"):
            batch.drop_column(column)
