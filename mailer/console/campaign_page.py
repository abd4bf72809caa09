"""A campaign's page: which issue, when it started and ended, its progress and the messages
that did not go through, refreshed without reload; pause, resume, cancel, and moving a
scheduled send to another time."""

from __future__ import annotations

from flask import abort, g, jsonify, redirect, request, url_for
from sqlalchemy import select, update

from mailer import db
from mailer.bounces import counts, undo
from mailer.bounces.reasons import judge
from mailer.console import bounce_words
from mailer.console.access import audit, requires
from mailer.console.base import (
    bp,
    found_or_404,
    labels,
    language_of_page,
    page,
    written_time,
)
from mailer.console.models import Role
from mailer.console.sends import send_time, zone_name
from mailer.dkim import key_problem
from mailer.settings import get_settings
from subscribers.validation import InvalidInput
from workers import campaigns
from workers.launcher import queued
from workers.models import Campaign, CampaignEdition, CampaignState, Delivery, DeliveryState

TROUBLES_SHOWN = 100


def reason(words, reply: str | None) -> str:
    """A relay's answer in the member's words, in the one vocabulary of bounce reasons
    (mailer.bounces.reasons, RFC 3463 codes and the diagnostic words read together);
    no answer at all: the worker stopped during the transaction."""
    if not reply:
        return str(words["reason_no_answer"])
    return str(bounce_words.what(words, judge(None, reply).reason))


def _troubles(session, campaign_id: int) -> list[dict]:
    """The deliveries that did not go through (the first ones), in the member's words."""
    words = labels(language_of_page())
    rows = session.execute(
        select(Delivery.email, Delivery.state, Delivery.reply)
        .where(Delivery.campaign_id == campaign_id,
               Delivery.state.in_((DeliveryState.FAILED, DeliveryState.UNKNOWN)))
        .order_by(Delivery.id).limit(TROUBLES_SHOWN)).all()
    # An uncertain row was not refused: the worker or the connection stopped before the
    # relay's answer; a dead worker's row holds our own words, not a server's.
    return [{"email": email, "state": str(words[f"delivery_{state}"]),
             "reason": str(words["reason_uncertain"]) if state == DeliveryState.UNKNOWN
             else reason(words, reply),
             "reply": "" if reply == campaigns.WORKER_STOPPED else reply or ""}
            for email, state, reply in rows]


def _progress(session, campaign: Campaign) -> dict:
    figures = campaigns.progress(session, campaign.id)
    language = language_of_page()
    # Until the audience is counted, "0 %, 0 left" would be wrong: say it is being prepared.
    return {**figures, "planned": campaign.planned,
            "started": written_time(campaign.started_at, language),
            # The moment as the page writes it (the console's zone, the member's language).
            "relay_down_since": written_time(figures["relay_down_since"], language)
            if figures.get("relay_down_since") else None,
            "finished": written_time(campaign.finished_at, language),
            "troubles": _troubles(session, campaign.id)}


@bp.get("/campaigns/<int:campaign_id>")
@requires(Role.EDITOR)
def campaign(campaign_id: int):
    with db.session_scope() as session:
        row = found_or_404(session, Campaign, campaign_id)
        subjects = dict(session.execute(
            select(CampaignEdition.language, CampaignEdition.subject)
            .where(CampaignEdition.campaign_id == campaign_id)).all())
        language = language_of_page()
        words = labels(language)
        subject = subjects.get(language) or next(iter(subjects.values()), row.slug)
        return page("campaign.html", campaign_id=campaign_id, campaign=row,
                    progress=_progress(session, row), subject=subject,
                    name=f"{row.slug}.yaml", states=list(CampaignState),
                    error=request.args.get("error"), zone=zone_name(language),
                    pause_reason=bounce_words.pause_reason(words, row.pause_reason),
                    refusals=[bounce_words.refused(words, refusal)
                              for refusal in counts.sender_side(session, campaign_id)],
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
        return jsonify(_progress(session, found_or_404(session, Campaign, campaign_id)))


@bp.post("/campaigns/<int:campaign_id>/reschedule")
@requires(Role.SENDER)
def reschedule(campaign_id: int):
    """Another time for a send that has not started; refused once it has."""
    try:
        at = send_time(request.form.get("at", ""))
    except InvalidInput as invalid:
        return redirect(url_for("console.campaign", campaign_id=campaign_id, error=invalid.label))
    if at is None:
        return redirect(url_for("console.campaign", campaign_id=campaign_id, error="at_invalid"))
    with db.session_scope() as session:
        found_or_404(session, Campaign, campaign_id)
        # Only while still scheduled: the sweep may be starting it in this very instant.
        moved = session.execute(
            update(Campaign).where(Campaign.id == campaign_id,
                                   Campaign.state == CampaignState.SCHEDULED)
            .values(scheduled_at=at)).rowcount
        if not moved:
            return page("message.html", key="not_now"), 409
        audit(session, g.staff["email"], "reschedule", campaign=campaign_id, at=at.isoformat())
    return redirect(url_for("console.campaign", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/<action>")
@requires(Role.SENDER)
def steer(campaign_id: int, action: str):
    states = {"pause": CampaignState.PAUSED, "resume": CampaignState.SENDING,
              "cancel": CampaignState.CANCELLED}
    if action not in states:
        abort(404)
    key = key_problem(get_settings()) if action == "resume" else None
    if key:  # its first batch would pause it again at once
        return page("message.html", key="dkim_key_resume", detail=key), 409
    with db.session_scope() as session:
        try:
            campaigns.set_state(session, campaign_id, states[action])
        except LookupError:
            abort(404)
        except campaigns.NotNow:
            return page("message.html", key="not_now"), 409
        audit(session, g.staff["email"], action, campaign=campaign_id)
    if action == "resume" and not queued(campaign_id):
        return redirect(url_for("console.campaign", campaign_id=campaign_id, error="not_queued"))
    return redirect(url_for("console.campaign", campaign_id=campaign_id))
