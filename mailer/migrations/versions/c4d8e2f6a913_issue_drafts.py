"""issue drafts: what each person typed in the editor and has not saved yet

Revision ID: c4d8e2f6a913
Revises: e71c4a09b5d2
Create Date: 2026-11-30 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c4d8e2f6a913"
down_revision = "e71c4a09b5d2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issue_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("issue", sa.String(100), nullable=False),
        sa.Column("staff_email", sa.String(320), nullable=False),
        sa.Column("base", sa.String(64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issue", "staff_email", name="uq_issue_draft_person"),
    )


def downgrade() -> None:
    op.drop_table("issue_draft")
