"""staff sessions: an epoch that ends open sessions, and disabled accounts

Revision ID: 5a7c2e91d0b4
Revises: cf026958329c
Create Date: 2026-11-23 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5a7c2e91d0b4"
down_revision = "cf026958329c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_member") as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_member") as batch_op:
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("session_epoch")
