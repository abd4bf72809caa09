"""Undo suppressions by bounces or complaints: every automatic suppression can be
explained and undone.

The subscribers restored are those whose status is `bounced` (or `complained`, asked for
explicitly) and whose suppressing event (their last bounce or complaint event: nothing is
recorded for them once suppressed) belongs to the campaign, the period, the reason and the
address asked for. A complaint (an ARF report, RFC 5965) is undone only by a person who
knows it was not one (see COMPLAINT_WARNING). Unsubscribes and erasures are never undone:
their status is neither, or the person is gone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from subscribers.models import (
    EventKind,
    Status,
    Subscriber,
    SubscriberEvent,
    Suppression,
    email_hash,
)
from subscribers.service import set_status

COMPLAINT_WARNING = (
    "A real complaint must never be undone: the person told their mailbox provider that "
    "this newsletter is spam, and mailing them again is against their will and hurts "
    "delivery to everyone. Undo a complaint only when you know it was not theirs: a forged "
    "or stray report, or the person asked in writing to receive the newsletter again.")


@dataclass(frozen=True)
class Scope:
    """Which suppressions: of one campaign, since a time (UTC), for one reason (the
    vocabulary of mailer.bounces.reasons, or "soft" for a soft score that reached its
    threshold), of one address; complaints instead of bounces. Nothing set: every
    suppression by bounces."""

    campaign_id: int | None = None
    since: dt.datetime | None = None
    reason: str | None = None
    email: str | None = None  # normalised (subscribers.models.normalise_email)
    complaints: bool = False

    @property
    def status(self) -> Status:
        return Status.COMPLAINED if self.complaints else Status.BOUNCED

    def matches(self, event: SubscriberEvent, reasons: set[str]) -> bool:
        """Whether the suppressing `event`, suppressed for `reasons` (reasons_of), is in
        this scope."""
        if self.campaign_id is not None and event.campaign_id != self.campaign_id:
            return False
        if self.since is not None and event.at < self.since:
            return False
        return self.reason is None or self.reason in reasons


def reasons_of(session: Session, event: SubscriberEvent) -> set[str]:
    """Why a bounce suppressed: its reason (a hard bounce: "user unknown"…), or "soft" and
    the reasons of every soft bounce that made up the score (undoing "mailbox full" must
    find those whose score mailbox-full bounces filled, which no other reason would have
    reached). A score's suppression written before it kept those reasons (detail
    `causes`) has them read from the person's scored bounces."""
    detail = event.detail or {}
    if "causes" in detail:
        return {"soft", *detail["causes"]}
    if detail.get("cause"):
        return {str(detail["cause"])}
    if "score" in str(detail.get("reason")):  # before `causes`: "soft bounce score reached"
        return {"soft", *scored_causes(session, event.subscriber_id, event.at)}
    return {"user unknown"}  # the first rows kept no reason: only hard bounces then


def suppressed(session: Session, scope: Scope) -> list[Subscriber]:
    """The bounced (or complained) subscribers whose suppressing event is in `scope`,
    oldest first."""
    kind = EventKind.COMPLAINED if scope.complaints else EventKind.BOUNCED
    last = (select(SubscriberEvent.subscriber_id, func.max(SubscriberEvent.id).label("id"))
            .where(SubscriberEvent.kind == kind)
            .group_by(SubscriberEvent.subscriber_id).subquery())
    query = (select(Subscriber, SubscriberEvent)
             .join(last, last.c.subscriber_id == Subscriber.id)
             .join(SubscriberEvent, SubscriberEvent.id == last.c.id)
             .where(Subscriber.status == scope.status))
    if scope.email is not None:
        query = query.where(Subscriber.email == scope.email)
    rows = session.execute(query.order_by(Subscriber.id)).all()
    return [subscriber for subscriber, event in rows
            if scope.matches(event, reasons_of(session, event) if scope.reason else set())]


def restore(session: Session, people: list[Subscriber], actor: str, scope: Scope) -> int:
    """Subscribe `people` again, lift their suppression by bounce (or complaint) and start
    their bounce score again; logged on each person and in the audit log (complaints with
    the warning the person was shown). The caller commits."""
    from mailer.console.models import AuditEntry

    what = "complaints" if scope.complaints else "bounces"
    for subscriber in people:
        suppression = session.get(Suppression, email_hash(subscriber.email))
        if suppression is not None and suppression.reason == scope.status:
            session.delete(suppression)
        subscriber.bounce_score, subscriber.last_bounce_at = 0.0, None
        set_status(session, subscriber, Status.SUBSCRIBED, EventKind.RESUBSCRIBED,
                   source=f"{what} undo", by=actor, campaign=scope.campaign_id)
    detail = {"restored": len(people), "campaign": scope.campaign_id, "reason": scope.reason,
              "since": scope.since.isoformat() if scope.since else None}
    if scope.email is not None:
        detail["email"] = scope.email
    if scope.complaints:
        detail["warning"] = COMPLAINT_WARNING
    session.add(AuditEntry(staff_email=actor, action=f"{what} undone", detail=detail))
    return len(people)


def scored_causes(session: Session, subscriber_id: int, until: dt.datetime | None = None
                  ) -> list[str]:
    """The reasons (mailer.bounces.reasons values, sorted) of the soft bounces that made up
    the subscriber's score at `until` (None: now, its events not yet committed): their
    scored events back to the one that started the score (1 point). Reads rows written
    before suppressions recorded their causes too."""
    query = select(SubscriberEvent).where(SubscriberEvent.subscriber_id == subscriber_id,
                                          SubscriberEvent.kind == EventKind.BOUNCED)
    if until is not None:
        query = query.where(SubscriberEvent.at <= until)
    events = session.scalars(query.order_by(SubscriberEvent.id.desc()))
    causes = set()
    for event in events:
        detail = event.detail or {}
        if "score" not in detail:
            continue
        causes.add(str(detail.get("cause") or "unknown"))
        if float(detail["score"] or 0) <= 1.0:
            break
    return sorted(causes)
