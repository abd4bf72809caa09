"""circuit breaker counts per campaign, shared by every worker: the streak of refusals
that were not the address's, all of them, every answer, the streak of refusals that said
the address does not exist, and since when

Revision ID: c4f1a8e2d905
Revises: c4d8e2f6a913
Create Date: 2026-11-30 17:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c4f1a8e2d905"
down_revision = "c4d8e2f6a913"
branch_labels = None
depends_on = None

COUNTS = ("breaker_streak", "breaker_refused", "breaker_seen", "breaker_hard")


def upgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("breaker_since", sa.DateTime(timezone=True)))
        for column in COUNTS:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=False,
                                       server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        for column in (*COUNTS, "breaker_since"):
            batch.drop_column(column)
