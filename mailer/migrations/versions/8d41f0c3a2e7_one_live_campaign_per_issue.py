"""one live campaign per issue: a partial unique index on campaign.slug

Revision ID: 8d41f0c3a2e7
Revises: 5a7c2e91d0b4
Create Date: 2026-11-23 02:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8d41f0c3a2e7"
down_revision = "5a7c2e91d0b4"
branch_labels = None
depends_on = None

# Written out, not imported: a migration stays what it was when the models change.
LIVE_ISSUE = "NOT test AND state IN ('scheduled', 'sending', 'paused')"


def upgrade() -> None:
    op.create_index("uq_campaign_live_issue", "campaign", ["slug"], unique=True,
                    sqlite_where=sa.text(LIVE_ISSUE), postgresql_where=sa.text(LIVE_ISSUE))


def downgrade() -> None:
    op.drop_index("uq_campaign_live_issue", table_name="campaign")
