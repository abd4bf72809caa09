"""The public web archive: each sent issue's web version per language, an index page and
an Atom feed per language, so that the site can link "all past issues". The view-online
link of every email points here."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from sqlalchemy import select

from mailer import db
from mailer.labels import load_labels
from mailer.settings import get_settings
from workers.models import Campaign, CampaignEdition, CampaignState

bp = Blueprint("archive", __name__, url_prefix="/archive")
# Listed in the index and the feed: issues going or gone out to subscribers.
PUBLISHED = (CampaignState.SENDING, CampaignState.PAUSED, CampaignState.DONE)
# Their "view online" page also answers for a cancelled campaign: its readers have the link.
VIEWABLE = (*PUBLISHED, CampaignState.CANCELLED)


def issue_key(campaign: Campaign) -> tuple:
    """What makes campaigns one issue: its number (091.yaml and 091-final.yaml are one), or
    for a campaign whose number was never recorded, its file name."""
    return ("number", campaign.number) if campaign.number is not None else ("slug", campaign.slug)


def _published(session, language: str | None = None, states=PUBLISHED):
    """(campaign, edition) of every issue sent to subscribers, newest first, one per issue:
    its newest send's (a corrected file sent again replaces the first in the archive)."""
    query = (select(Campaign, CampaignEdition)
             .join(CampaignEdition, CampaignEdition.campaign_id == Campaign.id)
             .where(Campaign.test.is_(False), Campaign.state.in_(states),
                    Campaign.started_at.is_not(None))
             .order_by(Campaign.started_at.desc(), Campaign.id.desc()))
    if language:
        query = query.where(CampaignEdition.language == language)
    seen, out = set(), []
    for campaign, edition in session.execute(query):
        if (issue_key(campaign), edition.language) not in seen:
            seen.add((issue_key(campaign), edition.language))
            out.append((campaign, edition))
    return out


def latest_issue_url(language: str) -> str | None:
    """The web version of the newest issue published in `language`, if any."""
    with db.session_scope() as session:
        slug = session.scalar(
            select(Campaign.slug)
            .join(CampaignEdition, CampaignEdition.campaign_id == Campaign.id)
            .where(Campaign.test.is_(False), Campaign.state.in_(PUBLISHED),
                   Campaign.started_at.is_not(None), CampaignEdition.language == language)
            .order_by(Campaign.started_at.desc(), Campaign.id.desc()).limit(1))
    return f"{get_settings().base_url.rstrip('/')}/archive/{slug}/{language}" if slug else None


@bp.get("/<slug>/<language>")
def issue(slug: str, language: str):
    """The web version of the issue a campaign of file `slug` sent: the newest send of its
    number, so that every email of the issue, from any of its files, links to one page."""
    with db.session_scope() as session:
        published = _published(session, language, VIEWABLE)
        keys = {issue_key(campaign) for campaign in session.scalars(select(Campaign).where(
            Campaign.slug == slug, Campaign.test.is_(False), Campaign.state.in_(VIEWABLE),
            Campaign.started_at.is_not(None)))}
        for campaign, edition in published:
            if issue_key(campaign) in keys:
                return Response(edition.web_html, mimetype="text/html")
    abort(404)


def _template(name: str):
    from mailer.render import environment

    return environment().get_template(f"archive/{name}")


def _language() -> str:
    settings = get_settings()
    language = request.args.get("lang", settings.default_language)
    return language if language in settings.languages else settings.default_language


@bp.get("/")
def index():
    language = _language()
    base = get_settings().base_url.rstrip("/")
    with db.session_scope() as session:
        issues = _published(session, language)
        return _template("index.html.j2").render(
            issues=issues, language=language, base=base, labels=load_labels(language),
            feed=f"{base}/archive/feed.{language}.atom")


@bp.get("/feed.<language>.atom")
def feed(language: str):
    if language not in get_settings().languages:
        abort(404)
    base = get_settings().base_url.rstrip("/")
    with db.session_scope() as session:
        issues = _published(session, language)
        updated = max(((c.started_at or c.created_at) for c, _ in issues), default=None)
        body = _template("feed.atom.j2").render(
            issues=issues, language=language, base=base, labels=load_labels(language),
            updated=updated.strftime("%Y-%m-%dT%H:%M:%SZ") if updated else "1970-01-01T00:00:00Z")
    return Response(body, mimetype="application/atom+xml")
