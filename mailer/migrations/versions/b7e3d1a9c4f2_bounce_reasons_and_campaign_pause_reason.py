"""bounce reasons: each bounce event's reason (one vocabulary) and whose fault; why a
campaign paused itself

Revision ID: b7e3d1a9c4f2
Revises: b3e5d7a91c02
Create Date: 2026-11-30 14:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b7e3d1a9c4f2"
down_revision = "b3e5d7a91c02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bounce_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cause", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("fault", sa.String(length=12), nullable=True))
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pause_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("pause_reason")
    with op.batch_alter_table("bounce_event", schema=None) as batch_op:
        batch_op.drop_column("fault")
        batch_op.drop_column("cause")
