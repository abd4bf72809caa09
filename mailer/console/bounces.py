"""Bounces in the console: what came back lately, by class and receiving domain, and the
messages nobody could place, for a person to read and decide."""

from __future__ import annotations

import datetime as dt

from flask import g, redirect, request, url_for
from sqlalchemy import func, select

from mailer import db
from mailer.bounces import classify, counts
from mailer.bounces.models import BounceEvent
from mailer.bounces.review import VERDICTS, AlreadyReviewed, review
from mailer.console import bounce_words, note_words
from mailer.console.access import audit, requires
from mailer.console.base import bp, found_or_404, labels, language_of_page, page
from mailer.console.models import Role
from mailer.db import utcnow
from subscribers.validation import InvalidInput, check_email

PAGE = 50
RECENT_DAYS = 30


@bp.get("/bounces")
@requires(Role.EDITOR)
def bounces():
    since = utcnow() - dt.timedelta(days=RECENT_DAYS)
    recent = BounceEvent.received_at >= since
    with db.session_scope() as session:
        by_kind = dict(session.execute(select(BounceEvent.kind, func.count())
                                       .where(recent).group_by(BounceEvent.kind)).all())
        domains = session.execute(
            select(BounceEvent.domain, func.count()).where(
                recent, BounceEvent.domain.is_not(None),
                BounceEvent.kind.in_((classify.HARD, classify.SOFT, classify.COMPLAINT)))
            .group_by(BounceEvent.domain).order_by(func.count().desc()).limit(10)).all()
        # Newest first, a page at a time: `before` is the last id of the previous page.
        query = select(BounceEvent).where(BounceEvent.kind.in_(classify.WAITING))
        if request.args.get("before", "").isdigit():
            query = query.where(BounceEvent.id < int(request.args["before"]))
        waiting = session.scalars(query.order_by(BounceEvent.id.desc()).limit(PAGE + 1)).all()
        waiting_total = session.scalar(select(func.count()).where(
            BounceEvent.kind.in_(classify.WAITING)))
        # The campaign page's sentences, of every campaign of these days: what to fix.
        words = labels(language_of_page())
        refusals = [bounce_words.refused(words, row)
                    for row in counts.sender_side(session, since=since)]
    older = waiting[PAGE - 1].id if len(waiting) > PAGE else None
    return page("bounces.html", by_kind=by_kind, domains=domains, days=RECENT_DAYS,
                refusals=refusals,
                waiting=waiting[:PAGE], waiting_total=waiting_total, older=older,
                notes_said=note_words.said)


@bp.get("/bounces/<int:event_id>")
@requires(Role.EDITOR)
def bounce(event_id: int, error: InvalidInput | None = None):
    with db.session_scope() as session:
        event = found_or_404(session, BounceEvent, event_id)
        return page("bounce.html", event=event, verdicts=VERDICTS, error=error,
                    waiting=event.kind in classify.WAITING, notes_said=note_words.said)


@bp.post("/bounces/<int:event_id>")
@requires(Role.SENDER)
def bounce_review(event_id: int):
    verdict = request.form.get("verdict", "")
    if verdict not in VERDICTS:
        return bounce(event_id, InvalidInput("verdict", "verdict_invalid")), 400
    typed = request.form.get("recipient", "").strip()
    try:  # "not a bounce" concerns nobody; every other verdict names the address
        recipient = check_email(typed) if typed or verdict != classify.NOT_BOUNCE else None
    except InvalidInput:
        return bounce(event_id, InvalidInput("recipient", "email_invalid")), 400
    with db.session_scope() as session:
        event = found_or_404(session, BounceEvent, event_id)
        try:
            review(session, event, verdict, recipient, g.staff["email"])
        except AlreadyReviewed:
            return bounce(event_id, InvalidInput("verdict", "already_reviewed")), 409
        audit(session, g.staff["email"], "bounce reviewed", event=event_id, verdict=verdict,
              recipient=recipient)
    return redirect(url_for("console.bounces"))
