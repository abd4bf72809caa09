"""Undo suppressions by bounces: every automatic suppression can be explained and undone.

The subscribers restored are those whose status is `bounced` and whose suppressing bounce
(their last bounce event: nothing is recorded for them once suppressed) belongs to the
campaign, the period and the reason asked for. Complaints, unsubscribes and erasures are
never undone: their status is not `bounced`, or the person is gone.
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


@dataclass(frozen=True)
class Scope:
    """Which suppressions: of one campaign, since a time (UTC), for one reason (the
    vocabulary of mailer.bounces.reasons, or "soft" for a soft score that reached its
    threshold). Nothing set: every suppression by bounces."""

    campaign_id: int | None = None
    since: dt.datetime | None = None
    reason: str | None = None

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
    """The bounced subscribers whose suppressing bounce is in `scope`, oldest first."""
    last = (select(SubscriberEvent.subscriber_id, func.max(SubscriberEvent.id).label("id"))
            .where(SubscriberEvent.kind == EventKind.BOUNCED)
            .group_by(SubscriberEvent.subscriber_id).subquery())
    rows = session.execute(
        select(Subscriber, SubscriberEvent)
        .join(last, last.c.subscriber_id == Subscriber.id)
        .join(SubscriberEvent, SubscriberEvent.id == last.c.id)
        .where(Subscriber.status == Status.BOUNCED)
        .order_by(Subscriber.id)).all()
    return [subscriber for subscriber, event in rows if scope.matches(event)]


def restore(session: Session, people: list[Subscriber], actor: str, scope: Scope) -> int:
    """Subscribe `people` again, lift their suppression by bounce and start their bounce
    score again; logged on each person and in the audit log. The caller commits."""
    from mailer.console.models import AuditEntry

    for subscriber in people:
        suppression = session.get(Suppression, email_hash(subscriber.email))
        if suppression is not None and suppression.reason == Status.BOUNCED:
            session.delete(suppression)
        subscriber.bounce_score, subscriber.last_bounce_at = 0.0, None
        set_status(session, subscriber, Status.SUBSCRIBED, EventKind.RESUBSCRIBED,
                   source="bounces undo", by=actor, campaign=scope.campaign_id)
    session.add(AuditEntry(staff_email=actor, action="bounces undone", detail={
        "restored": len(people), "campaign": scope.campaign_id, "reason": scope.reason,
        "since": scope.since.isoformat() if scope.since else None}))
    return len(people)
