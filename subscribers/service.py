"""Changes to subscribers, each written with its event, in the caller's transaction.

Every part of the project (web app, import, workers, bounce processing) changes a
subscriber through these functions, so that the event log is complete.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from subscribers.models import (
    ErasedLink,
    EventKind,
    Status,
    Subscriber,
    SubscriberEvent,
    Suppression,
    email_hash,
    normalise_email,
    utcnow,
)


def log_event(
    session: Session,
    subscriber: Subscriber | None,
    kind: EventKind,
    campaign_id: int | None = None,
    **detail: Any,
) -> SubscriberEvent:
    # The time is set here, not by the database, so that SQLite and PostgreSQL compare alike.
    event = SubscriberEvent(
        subscriber=subscriber, kind=kind, campaign_id=campaign_id, detail=detail or None,
        at=utcnow(),
    )
    session.add(event)
    return event


def log_events(session: Session, kind: EventKind,
               rows: list[tuple[int, dict[str, Any]]]) -> None:
    """One `kind` event for each (subscriber id, detail), in one statement: for imports."""
    now = utcnow()
    session.execute(insert(SubscriberEvent), [
        {"subscriber_id": subscriber_id, "kind": kind, "detail": detail, "at": now}
        for subscriber_id, detail in rows])


def find_by_email(session: Session, email: str) -> Subscriber | None:
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


def erase(session: Session, email: str) -> bool:
    """GDPR erasure: the subscriber's personal data goes, a hash stays to keep them suppressed.

    The event log is kept (what happened and when) without its details or the link to the
    person; the id and link key stay (ErasedLink), names of nobody. Returns whether the
    address was on the list.
    """
    suppress(session, email, reason="erased")
    subscriber = find_by_email(session, email)
    if subscriber is None:
        return False
    for event in subscriber.events:
        event.detail = None
        event.subscriber = None
    log_event(session, None, EventKind.ERASED)
    # So that their old links say "no longer on the list" rather than "not valid".
    session.add(ErasedLink(subscriber_id=subscriber.id, link_key=subscriber.link_key,
                           legacy_links=subscriber.legacy_links))
    session.delete(subscriber)
    return True
