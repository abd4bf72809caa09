"""bounce notes: why a bounce event was held, weakened or reviewed, as codes and values
(mailer.bounces.notes), said in each member's language; older rows keep their English in
`reason`

Revision ID: f3a8c61d2b47
Revises: b7e3d5a1c920
Create Date: 2026-12-01 08:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f3a8c61d2b47"
down_revision = "b7e3d5a1c920"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bounce_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bounce_event", schema=None) as batch_op:
        batch_op.drop_column("notes")
