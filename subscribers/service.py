"""Changes to subscribers, each written with its event, in the caller's transaction.

Every part of the project (web app, import, workers, bounce processing) changes a
subscriber through these functions, so that the event log is complete.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from subscribers.models import (
    EventKind,
    Status,
    Subscriber,
    SubscriberEvent,
    Suppression,
    email_hash,
    utcnow,
)


def log_event(
    session: Session,
    subscriber: Subscriber | None,
    kind: EventKind,
    campaign_id: int | None = None,
    **detail: Any,
) -> SubscriberEvent:
    event = SubscriberEvent(
        subscriber=subscriber, kind=kind, campaign_id=campaign_id, detail=detail or None
    )
    session.add(event)
    return event


def find_by_email(session: Session, email: str) -> Subscriber | None:
    from subscribers.models import normalise_email

    return session.scalar(select(Subscriber).where(Subscriber.email == normalise_email(email)))


def is_suppressed(session: Session, email: str) -> bool:
    return session.get(Suppression, email_hash(email)) is not None


def suppress(session: Session, email: str, reason: str) -> None:
    """Never mail this address again, whatever list it comes back on."""
    digest = email_hash(email)
    if session.get(Suppression, digest) is None:
        session.add(Suppression(email_hash=digest, reason=reason))


def set_status(
    session: Session,
    subscriber: Subscriber,
    status: Status,
    kind: EventKind,
    campaign_id: int | None = None,
    **detail: Any,
) -> None:
    """Move a subscriber to `status` and log why; bounced and complained also suppress."""
    now = utcnow()
    subscriber.status = status
    if status == Status.SUBSCRIBED:
        subscriber.confirmed_at = subscriber.confirmed_at or now
        subscriber.unsubscribed_at = None
    elif status in (Status.UNSUBSCRIBED, Status.BOUNCED, Status.COMPLAINED):
        subscriber.unsubscribed_at = now
    if status in (Status.BOUNCED, Status.COMPLAINED):
        suppress(session, subscriber.email, reason=status.value)
    log_event(session, subscriber, kind, campaign_id=campaign_id, **detail)
