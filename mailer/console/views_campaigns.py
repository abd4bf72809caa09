"""Test sends, launching an issue, and a campaign's live page with pause/resume/cancel."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, g, jsonify, redirect, request, url_for

from mailer import db
from mailer.console.access import audit, requires
from mailer.console.models import Role
from mailer.console.progress import progress
from mailer.console.views import _page
from mailer.issue import IssueInvalid
from mailer.settings import get_settings
from workers import campaigns
from workers.audience import audience_counts
from workers.models import Campaign, CampaignState

bp = Blueprint("console_campaigns", __name__, url_prefix="/console",
               template_folder="templates")
STEERING = {"pause": CampaignState.PAUSED, "resume": CampaignState.SENDING,
            "cancel": CampaignState.CANCELLED}


def _editions(name: str, language: str = "all"):
    from mailer.render import render_file

    path = Path(get_settings().issues_dir) / name
    if path.suffix != ".yaml" or path.name != name or not path.is_file():
        abort(404)
    try:
        editions = render_file(path)
    except IssueInvalid:
        abort(409)  # the issue page lists the problems; nothing invalid is ever sent
    return {language: editions[language]} if language in editions else editions


def _recipients(raw: str) -> list[str] | None:
    from email_validator import EmailNotValidError, validate_email

    out = []
    for item in filter(None, (part.strip() for part in raw.replace("\n", ",").split(","))):
        try:
            out.append(validate_email(item, check_deliverability=False).normalized.lower())
        except EmailNotValidError:
            return None
    return out or [g.staff["email"]]


def _start(editions, recipients: list[str] | None, action: str, name: str) -> int:
    from workers.tasks import start_campaign

    with db.session_scope() as session:
        campaign = campaigns.create(session, editions, recipients)
        session.flush()
        audit(session, g.staff["email"], action, issue=name, campaign=campaign.id,
              languages=sorted(editions), to=recipients)
        session.commit()
        campaign_id = campaign.id
    start_campaign.delay(campaign_id)  # queued only once the campaign is committed
    return campaign_id


@bp.post("/issues/<name>/test")
@requires(Role.EDITOR)
def test_send(name: str):
    editions = _editions(name, request.form.get("language", "all"))
    recipients = _recipients(request.form.get("recipients", ""))
    if recipients is None:
        return _page("message.html", key="bad_recipients"), 400
    return redirect(url_for(".campaign", campaign_id=_start(editions, recipients, "test_send",
                                                             name)))


@bp.get("/issues/<name>/launch")
@requires(Role.SENDER)
def confirm_launch(name: str):
    editions = _editions(name)
    with db.session_scope() as session:
        audience = audience_counts(session)
    per_language = {code: audience.get(code, 0) for code in editions}
    return _page("launch.html", name=name, audience=per_language,
                 total=sum(per_language.values()))


@bp.post("/issues/<name>/launch")
@requires(Role.SENDER)
def launch(name: str):
    return redirect(url_for(".campaign", campaign_id=_start(_editions(name), None, "launch",
                                                             name)))


def found_or_404(session, model, key: int):
    row = session.get(model, key)
    if row is None:
        abort(404)
    return row


@bp.get("/campaigns/<int:campaign_id>")
@requires(Role.EDITOR)
def campaign(campaign_id: int):
    with db.session_scope() as session:
        item = found_or_404(session, Campaign, campaign_id)
        return _page("campaign.html", campaign=item, progress=progress(session, item),
                     may_steer=g.staff["role"] in ("sender", "admin"))


@bp.get("/campaigns/<int:campaign_id>/progress")
@requires(Role.EDITOR)
def campaign_progress(campaign_id: int):
    with db.session_scope() as session:
        return jsonify(progress(session, found_or_404(session, Campaign, campaign_id)))


@bp.post("/campaigns/<int:campaign_id>/<action>")
@requires(Role.SENDER)
def steer(campaign_id: int, action: str):
    if action not in STEERING:
        abort(404)
    with db.session_scope() as session:
        found_or_404(session, Campaign, campaign_id)
        campaigns.set_state(session, campaign_id, STEERING[action])
        audit(session, g.staff["email"], action, campaign=campaign_id)
    if action == "resume":
        from workers.tasks import start_campaign

        start_campaign.delay(campaign_id)
    return redirect(url_for(".campaign", campaign_id=campaign_id))


@bp.get("/campaigns")
@requires(Role.EDITOR)
def campaigns_history():
    from mailer.console.history import growth, history

    with db.session_scope() as session:
        months = growth(session)
        peak = max((total for _month, total in months), default=0) or 1
        return _page("history.html", rows=history(session), months=months, peak=peak)
