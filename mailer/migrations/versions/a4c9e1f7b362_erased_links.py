"""erased links: the id and link key of each person erased from now on, so that their old
links say "no longer on the list" (subscribers/web_links.py)

Revision ID: a4c9e1f7b362
Revises: f3a8c61d2b47
Create Date: 2026-12-01 21:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a4c9e1f7b362"
down_revision = "f3a8c61d2b47"
branch_labels = depends_on = None


def upgrade() -> None:
    # Ids are never given again (AUTOINCREMENT, a sequence): one row per id for good.
    op.create_table("erased_link",
                    sa.Column("subscriber_id", sa.Integer(), autoincrement=False,
                              primary_key=True),
                    sa.Column("link_key", sa.String(length=32), nullable=False),
                    sa.Column("legacy_links", sa.Boolean(), server_default=sa.false(),
                              nullable=False))


def downgrade() -> None:
    op.drop_table("erased_link")
