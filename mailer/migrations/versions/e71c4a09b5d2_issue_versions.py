"""issue versions: every text of an issue file saved in the editor, with who and when

Revision ID: e71c4a09b5d2
Revises: b3e9d6a1c470
Create Date: 2026-11-30 15:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e71c4a09b5d2"
down_revision = "b3e9d6a1c470"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issue_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("issue", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_email", sa.String(320), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
    )
    op.create_index("ix_issue_version_issue", "issue_version", ["issue"])


def downgrade() -> None:
    op.drop_index("ix_issue_version_issue", table_name="issue_version")
    op.drop_table("issue_version")
