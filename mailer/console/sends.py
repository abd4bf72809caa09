"""Console pages that send: a test send, the launch with its confirmation, and a campaign's
page whose progress updates without reload, with pause, resume and cancel."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, g, jsonify, redirect, request, url_for
from sqlalchemy import select

from mailer import db
from mailer.bounces import counts, undo
from mailer.console.access import audit, requires
from mailer.console.base import _when, bp, found_or_404, issue_path, language_of_page, page
from mailer.console.models import Role
from mailer.issue import IssueInvalid
from mailer.settings import get_settings
from mailer.size import too_large
from subscribers.models import utcnow
from subscribers.validation import InvalidInput, check_email
from workers import campaigns
from workers.audience import audience_counts, reached_before
from workers.models import Campaign, CampaignState, Delivery, DeliveryState

TROUBLES_SHOWN = 100


def _editions(name: str):
    from mailer.render import render_file

    try:
        return render_file(issue_path(name))
    except IssueInvalid:
        abort(409)


def _start(session, editions, test_to=None, at=None) -> int:
    from workers.tasks import start_campaign

    campaign = campaigns.create(session, editions, test_to, at)
    session.commit()
    if at is None:  # a scheduled campaign is started by the sweep when its time comes
        start_campaign.delay(campaign.id)  # only once the campaign is committed
    return campaign.id


@bp.post("/issues/<name>/test")
@requires(Role.EDITOR)
def test_send(name: str):
    editions = _editions(name)
    language = request.form.get("language", "all")
    if language != "all":
        editions = {language: editions[language]} if language in editions else abort(400)
    try:
        recipients = _test_recipients(request.form.get("addresses", ""))
    except InvalidInput as error:
        return page("message.html", key=error.label, detail=error.detail,
                    back=url_for("console.issue", name=name)), 400
    with db.session_scope() as session:
        campaign_id = _start(session, editions, recipients)
        audit(session, g.staff["email"], "test send", issue=name, language=language,
              to=recipients)
    return redirect(url_for("console.campaign", campaign_id=campaign_id))


def _test_recipients(field: str) -> list[str]:
    """The listed addresses (comma or space separated, 20 at most), or the signed-in person."""
    listed = [part for part in field.replace(",", " ").split() if part]
    addresses = []
    for typed in listed[:20]:
        try:
            addresses.append(check_email(typed))
        except InvalidInput:
            raise InvalidInput("addresses", "test_address_invalid", typed) from None
    return addresses or [g.staff["email"]]


@bp.route("/issues/<name>/launch", methods=["GET", "POST"])
@requires(Role.SENDER)
def launch(name: str):
    """The audience per language and a confirmation; the send now, or at a chosen time."""
    editions = _editions(name)
    slug = next(iter(editions.values())).slug
    with db.session_scope() as session:
        running, error = campaigns.live_campaign(session, slug), None
        if request.method == "POST" and running is None:
            try:
                at = _send_time(request.form.get("at", ""))
                campaign_id = _start(session, editions, at=at)
            except InvalidInput as invalid:
                error = invalid
            except campaigns.AlreadySending as busy:  # launched elsewhere at the same instant
                running = busy.campaign_id
            else:
                audit(session, g.staff["email"], "schedule" if at else "launch", issue=name,
                      campaign=campaign_id, **({"at": at.isoformat()} if at else {}))
                return redirect(url_for("console.campaign", campaign_id=campaign_id))
        status = 409 if running and request.method == "POST" else 400 if error else 200
        return page("launch.html", name=name, audience=audience_counts(session),
                    running=running, reached=reached_before(session, slug), error=error,
                    zone=get_settings().console_timezone, too_large=too_large(editions)), status


def _send_time(typed: str) -> dt.datetime | None:
    """The time typed in the form (the console's zone) in UTC; None for "now"."""
    if not typed.strip():
        return None
    try:
        local = dt.datetime.fromisoformat(typed.strip())
    except ValueError:
        raise InvalidInput("at", "at_invalid") from None
    at = _in_zone(local, get_settings().console_timezone)
    if at <= utcnow():
        raise InvalidInput("at", "at_past")
    return at


def _in_zone(local: dt.datetime, zone_name: str) -> dt.datetime:
    """A wall-clock time of the zone in UTC; InvalidInput for a time the zone skips (the
    clocks go forward) or has twice (they go back), rather than a guess."""
    zone = ZoneInfo(zone_name)
    first, second = (local.replace(tzinfo=zone, fold=fold) for fold in (0, 1))
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
        raise InvalidInput("at", "at_twice" if back == local else "at_missing", zone_name)
    return first.astimezone(dt.UTC)


def _progress(session, campaign_id: int) -> dict:
    found_or_404(session, Campaign, campaign_id)
    return campaigns.progress(session, campaign_id)


@bp.get("/campaigns/<int:campaign_id>")
@requires(Role.EDITOR)
def campaign(campaign_id: int):
    with db.session_scope() as session:
        progress = _progress(session, campaign_id)
        # The deliveries that did not go through, with the relay's answer (the first ones).
        troubles = session.execute(
            select(Delivery.email, Delivery.state, Delivery.reply)
            .where(Delivery.campaign_id == campaign_id,
                   Delivery.state.in_((DeliveryState.FAILED, DeliveryState.UNKNOWN)))
            .order_by(Delivery.id).limit(TROUBLES_SHOWN)).all()
        found = session.get(Campaign, campaign_id)
        return page("campaign.html", campaign_id=campaign_id, progress=progress,
                    scheduled=found.scheduled_at, troubles=troubles, states=list(CampaignState),
                    pause_reason=found.pause_reason,
                    refusals=counts.sender_side(session, campaign_id, language_of_page()),
                    bounced=counts.bounced(session, campaign_id),
                    undoable=len(undo.suppressed(session, undo.Scope(campaign_id))))


@bp.post("/campaigns/<int:campaign_id>/undo-bounces")
@requires(Role.SENDER)
def undo_bounces(campaign_id: int):
    """Subscribe again those this campaign's bounces suppressed (the page said how many
    and asked first); never complaints, unsubscribes or erasures; audited."""
    with db.session_scope() as session:
        found_or_404(session, Campaign, campaign_id)
        scope = undo.Scope(campaign_id)
        undo.restore(session, undo.suppressed(session, scope), g.staff["email"], scope)
    return redirect(url_for("console.campaign", campaign_id=campaign_id))


@bp.get("/campaigns/<int:campaign_id>/progress")
@requires(Role.EDITOR)
def progress(campaign_id: int):
    with db.session_scope() as session:
        now = _progress(session, campaign_id)
    # The moment as the page writes it (the console's zone, the member's language).
    now["relay_down_since"] = _when(now["relay_down_since"], language_of_page()) \
        if now["relay_down_since"] else None
    return jsonify(now)


@bp.post("/campaigns/<int:campaign_id>/<action>")
@requires(Role.SENDER)
def steer(campaign_id: int, action: str):
    states = {"pause": CampaignState.PAUSED, "resume": CampaignState.SENDING,
              "cancel": CampaignState.CANCELLED}
    if action not in states:
        abort(404)
    with db.session_scope() as session:
        try:
            campaigns.set_state(session, campaign_id, states[action])
        except LookupError:
            abort(404)
        except campaigns.NotNow:
            return page("message.html", key="not_now"), 409
        audit(session, g.staff["email"], action, campaign=campaign_id)
    if action == "resume":
        from workers.tasks import start_campaign

        start_campaign.delay(campaign_id)
    return redirect(url_for("console.campaign", campaign_id=campaign_id))
