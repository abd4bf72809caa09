"""Double opt-in: a signup makes a pending subscriber, the emailed link confirms it.

The outcome is never shown to the visitor (the page is the same whether the address was
new, pending or already subscribed); it only decides whether a confirmation email goes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailer.db import utcnow
from mailer.settings import get_settings
from subscribers.models import EventKind, Status, Subscriber, SubscriberEvent
from subscribers.service import find_by_email, is_suppressed, log_event, set_status
from subscribers.validation import Applicant


@dataclass(frozen=True)
class Consent:
    """What the person agreed to: where (form, import), from which IP, with which wording."""

    source: str
    text: str
    ip: str | None = None

    def record(self, subscriber: Subscriber) -> None:
        subscriber.consent_at = utcnow()
        subscriber.consent_source = self.source[:200]
        subscriber.consent_ip = self.ip
        subscriber.consent_text = self.text


def _recent_signups(session: Session, subscriber: Subscriber) -> int:
    since = utcnow() - timedelta(hours=1)
    return session.scalar(
        select(func.count()).select_from(SubscriberEvent).where(
            SubscriberEvent.subscriber_id == subscriber.id,
            SubscriberEvent.kind == EventKind.SIGNED_UP,
            SubscriberEvent.at >= since,
        )
    ) or 0


def sign_up(session: Session, applicant: Applicant, consent: Consent) -> int | None:
    """Record a signup; the id to send a confirmation email to, or None to send nothing."""
    if is_suppressed(session, applicant.email):
        return None
    subscriber = find_by_email(session, applicant.email)
    if subscriber is None:
        subscriber = Subscriber(
            email=applicant.email, language=applicant.language, name=applicant.name,
            status=Status.PENDING,
        )
        consent.record(subscriber)
        session.add(subscriber)
        session.flush()
        log_event(session, subscriber, EventKind.SIGNED_UP, source=consent.source)
        return subscriber.id
    if subscriber.status not in (Status.PENDING, Status.UNSUBSCRIBED):
        return None  # already subscribed, or bounced/complained: nothing to confirm
    if _recent_signups(session, subscriber) >= get_settings().confirm_resends_per_hour:
        return None  # the same answer, but no more mail to this address for now
    subscriber.language = applicant.language
    subscriber.name = applicant.name or subscriber.name
    consent.record(subscriber)
    if subscriber.status == Status.PENDING:
        log_event(session, subscriber, EventKind.SIGNED_UP, source=consent.source)
    else:
        set_status(session, subscriber, Status.PENDING, EventKind.SIGNED_UP, source=consent.source)
    return subscriber.id


def confirm(session: Session, subscriber_id: int) -> Subscriber | None:
    """Subscribe a pending subscriber (the button of the confirmation page: a person, not a
    link scanner); any other state stays as it is. None if the subscriber is gone."""
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is not None and subscriber.status == Status.PENDING:
        set_status(session, subscriber, Status.SUBSCRIBED, EventKind.CONFIRMED)
    return subscriber
