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

    def matches(self, event: SubscriberEvent) -> bool:
        detail = event.detail or {}
        if self.campaign_id is not None and event.campaign_id != self.campaign_id:
            return False
        if self.since is not None and event.at < self.since:
            return False
        if self.reason is not None:
            cause = detail.get("cause") or ("soft" if "score" in str(detail.get("reason"))
                                            else "user unknown")
            return cause == self.reason
        return True


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
    return [subscriber for subscriber, event in rows if scope.matches(event)]


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
