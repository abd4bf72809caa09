"""The issues the console lists: each file's number, title and date, its problems, and where
it stands (draft, scheduled, sending, sent on …) from the latest campaign of its number.

An issue already sent is checked only in the languages it went out in: adding a language
later must not turn the whole archive invalid. The new language's texts are required of the
issues not sent yet (or their declared fallback covers them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer.console.base import labels, too_large
from mailer.console.issue_problems import in_words
from mailer.file_names import shown_name
from mailer.issue import IssueInvalid, load_issue
from mailer.issue.loader import parse
from mailer.issue.translations import pick
from mailer.settings import get_settings
from workers.models import Campaign, CampaignEdition


@dataclass
class IssueRow:
    name: str  # the file name, "091.yaml"
    slug: str
    number: int | None = None
    title: str = ""
    date: dt.date | None = None
    problems: list[str] = field(default_factory=list)
    campaign: Campaign | None = None  # the latest send to subscribers, if any
    linked: bool = True  # False: a name not UTF-8 (shown with U+FFFD), no page can name it

    @property
    def state(self) -> str:
        """draft, scheduled, sending, paused, done or cancelled."""
        return self.campaign.state if self.campaign else "draft"


def sent_languages(db_session: Session, slug: str | None = None) -> dict[str, list[str]]:
    """The languages each issue (slug) went out in to subscribers, for those that did."""
    query = (select(Campaign.slug, CampaignEdition.language).distinct()
             .join(CampaignEdition, CampaignEdition.campaign_id == Campaign.id)
             .where(Campaign.test.is_(False), Campaign.started_at.is_not(None)))
    if slug is not None:
        query = query.where(Campaign.slug == slug)
    sent: dict[str, list[str]] = {}
    for issue_slug, language in db_session.execute(query):
        sent.setdefault(issue_slug, []).append(language)
    return {key: sorted(value) for key, value in sent.items()}


def issue_rows(db_session: Session, language: str) -> list[IssueRow]:
    """Every issue file of the issues folder, newest number first, titled in `language`."""
    sent = sent_languages(db_session)
    sends = db_session.scalars(
        select(Campaign).where(Campaign.test.is_(False)).order_by(Campaign.id)).all()
    latest = {campaign.slug: campaign for campaign in sends}
    # An issue is its number: 091-final.yaml stands where issue 91 stands, from any file.
    of_number = {campaign.number: campaign for campaign in sends if campaign.number}
    rows = []
    for path in Path(get_settings().issues_dir).glob("*.yaml"):
        row = IssueRow(path.name, path.stem, campaign=latest.get(path.stem))
        shown = shown_name(path.name)
        if shown is not None:  # said among the problems (load_issue refuses it): rename it
            row.name, row.linked = shown, False
        if too_large(path):  # refused before it is read: no page waits on a huge file
            row.problems = [str(labels(language)["too_large"])]
            rows.append(row)
            continue
        try:
            issue = load_issue(path, sent.get(path.stem))
        except IssueInvalid as error:
            row.problems = [in_words(problem, language) for problem in error.problems]
            issue = _parsed(path)
        if issue is not None:
            row.number, row.date = issue.number, issue.date
            row.campaign = of_number.get(issue.number, row.campaign)
            row.title = pick(issue.title, language, issue.fallbacks) or next(
                iter(issue.title.root.values()), "")
        rows.append(row)
    return sorted(rows, key=lambda r: (r.number or 0, r.name), reverse=True)


def _parsed(path: Path):
    """The issue of a file with problems, if its structure at least can be read."""
    try:
        return parse(path)[0]
    except (IssueInvalid, OSError):
        return None
