"""campaigns know their issue's number: one issue whatever its file is called

Until now a campaign was known by its file's name (slug), so `091.yaml` and
`091-final.yaml` were two issues and each mailed everyone. The number is read back for the
campaigns already there from what they sent: the masthead of their stored editions
("Infolettre n° 91 · 20 novembre 2026", every language agreeing), else a file name that is
the number itself ("091"); a campaign whose number cannot be read keeps none and is matched
by its file name, as before. The live-issue index moves from the slug to the number; of two
live campaigns that turn out to be one issue (both files launched before this), the later
keeps no number, so that the index can be built: each has already planned its readers.

Revision ID: a91e5c37b2d4
Revises: c4f1a8e2d905
Create Date: 2026-11-30 20:30:00
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "a91e5c37b2d4"
down_revision = "c4f1a8e2d905"
branch_labels = None
depends_on = None

# Written out, not imported: a migration stays what it was when the models change.
LIVE_STATES = ("scheduled", "sending", "paused")
LIVE_ISSUE = "NOT test AND state IN ('scheduled', 'sending', 'paused')"
# The masthead line of the plain-text part: "<label> 91 · <date>" (templates/email), the
# number the last figures before the middle dot, in the first lines.
MASTHEAD = re.compile(r"^[^\n·]*?(\d{1,5})\s·\s", re.MULTILINE)
HEAD_CHARS = 600
MAX_NUMBER = 99_999


def number_of(slug: str, texts: list[str]) -> int | None:
    """The issue number a campaign sent, from its editions' text parts, else its slug."""
    found = set()
    for text in texts:
        match = MASTHEAD.search(text[:HEAD_CHARS])
        found.add(int(match[1]) if match else None)
    if len(found) == 1 and None not in found:
        number = found.pop()
    elif slug.isascii() and slug.isdigit():
        number = int(slug)
    else:
        return None
    return number if 1 <= number <= MAX_NUMBER else None


def upgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("number", sa.Integer()))
    bind = op.get_bind()
    campaign = sa.table("campaign", sa.column("id", sa.Integer), sa.column("slug", sa.String),
                        sa.column("number", sa.Integer), sa.column("test", sa.Boolean),
                        sa.column("state", sa.String))
    edition = sa.table("campaign_edition", sa.column("campaign_id", sa.Integer),
                       sa.column("text", sa.Text))
    live = set()
    rows = bind.execute(sa.select(campaign.c.id, campaign.c.slug, campaign.c.test,
                                  campaign.c.state).order_by(campaign.c.id)).all()
    for campaign_id, slug, test, state in rows:
        texts = bind.execute(sa.select(edition.c.text)
                             .where(edition.c.campaign_id == campaign_id)).scalars().all()
        number = number_of(slug, list(texts))
        if not test and state in LIVE_STATES:
            number = None if number in live else number
            live.add(number)
        if number is not None:
            bind.execute(campaign.update().where(campaign.c.id == campaign_id)
                         .values(number=number))
    op.drop_index("uq_campaign_live_issue", table_name="campaign")
    op.create_index("uq_campaign_live_issue", "campaign", ["number"], unique=True,
                    sqlite_where=sa.text(LIVE_ISSUE), postgresql_where=sa.text(LIVE_ISSUE))


def downgrade() -> None:
    op.drop_index("uq_campaign_live_issue", table_name="campaign")
    op.create_index("uq_campaign_live_issue", "campaign", ["slug"], unique=True,
                    sqlite_where=sa.text(LIVE_ISSUE), postgresql_where=sa.text(LIVE_ISSUE))
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("number")

