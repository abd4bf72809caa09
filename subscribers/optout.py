"""Leaving the list and coming back: one-click and page unsubscribe, mailto, preferences."""

from __future__ import annotations

from functools import partial

from sqlalchemy.orm import Session

from mailer.settings import get_settings
from subscribers import tokens
from subscribers.links import MAILTO_PREFIX
from subscribers.models import EventKind, Status, Subscriber
from subscribers.service import is_suppressed, log_event, set_status
from subscribers.signup import Consent


def unsubscribe(
    session: Session, subscriber: Subscriber, source: str, campaign_id: int | None = None
) -> bool:
    """Idempotent: a second click, or a scanner replaying the POST, changes nothing more.
    Whether it changed the subscriber (False for one off the list already).

    `campaign_id` is the campaign whose email held the link, when it did."""
    if subscriber.status not in (Status.PENDING, Status.SUBSCRIBED):
        return False
    set_status(
        session, subscriber, Status.UNSUBSCRIBED, EventKind.UNSUBSCRIBED,
        campaign_id=campaign_id, source=source,
    )
    return True


def resubscribe(session: Session, subscriber: Subscriber, consent: Consent) -> bool:
    """Back on the list from the link in their own email (so the address is proven)."""
    if subscriber.status != Status.UNSUBSCRIBED or is_suppressed(session, subscriber.email):
        return False
    consent.record(subscriber)
    set_status(
        session, subscriber, Status.SUBSCRIBED, EventKind.RESUBSCRIBED, source=consent.source
    )
    return True


def change_language(session: Session, subscriber: Subscriber, language: str) -> None:
    if language != subscriber.language:
        log_event(
            session, subscriber, EventKind.LANGUAGE_CHANGED, old=subscriber.language, new=language
        )
        subscriber.language = language


def unsubscribe_by_mailto(session: Session, address: str) -> Subscriber | None:
    """Honour a mail sent to a List-Unsubscribe mailto address; None if it is not one of ours."""
    found = mailto_unsubscribe(session, address)
    return found[0] if found else None


def mailto_unsubscribe(session: Session, address: str) -> tuple[Subscriber, bool] | None:
    """The same, saying whether it changed the subscriber: None for an address that is not
    ours (another domain, a forged or altered token, an erased person's), (subscriber,
    False) for one off the list already."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if domain.lower() != get_settings().bounce_domain.lower() or not local.startswith(
        MAILTO_PREFIX
    ):
        return None
    try:
        signed, subscriber = tokens.read(tokens.UNSUBSCRIBE, local.removeprefix(MAILTO_PREFIX),
                                         partial(session.get, Subscriber))
    except tokens.InvalidToken:
        return None
    return subscriber, unsubscribe(session, subscriber, source="mailto",
                                   campaign_id=signed.campaign_id)
