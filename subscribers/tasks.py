"""Celery tasks of a signup: record it, then send its confirmation email.

The web request only validates the form and queues `sign_up`: the same work, and so the
same time, whether the address is new, pending, subscribed or suppressed (what the list
holds is decided here, out of the visitor's sight). The confirmation goes through the same
transport as campaigns (mailer.transport): the same wire form of international addresses,
the same reading of the relay's replies.
"""

from __future__ import annotations

import logging
from email.policy import SMTP

from sqlalchemy.exc import IntegrityError

from mailer import db
from mailer.headers import mailbox
from mailer.settings import get_settings
from mailer.transport import Ambiguous, TemporaryFailure, Undeliverable, get_sender
from subscribers import signup
from subscribers.models import EventKind, Status, Subscriber
from subscribers.service import log_event
from subscribers.validation import Applicant
from workers.app import app

log = logging.getLogger(__name__)


def _not_sent(subscriber_id: int, reason: str) -> bool:
    """The reason is kept in the subscriber's history, where staff read it."""
    log.warning("confirmation to subscriber %s not sent: %s", subscriber_id, reason)
    with db.session_scope(get_settings().db_url) as session:
        log_event(session, session.get(Subscriber, subscriber_id), EventKind.NOT_SENT,
                  reply=reason[:500])
    return False


@app.task(name="subscribers.sign_up")
def sign_up(applicant: dict, consent: dict) -> int | None:
    """Record a validated signup (`Applicant` and `Consent` fields); queue its confirmation
    email when one is due. The subscriber's id, or None when nothing is to be sent."""
    try:
        with db.session_scope(get_settings().db_url) as session:
            subscriber_id = signup.sign_up(session, Applicant(**applicant),
                                           signup.Consent(**consent))
    except IntegrityError:  # the same address signed up at the same instant: one row is enough
        return None
    if subscriber_id is not None:
        send_confirmation.delay(subscriber_id)  # after the commit: the worker finds the row
    return subscriber_id


def _confirmation(subscriber: Subscriber):
    """The confirmation email. Its renderer (MJML, premailer, lxml: a fifth of a worker's
    memory) is imported by the first confirmation a worker process sends, not before the
    fork: a worker that only sends campaigns, which arrive rendered, never loads it."""
    from subscribers.confirmation import confirmation_message

    return confirmation_message(subscriber)


@app.task(bind=True, name="subscribers.send_confirmation", max_retries=8)
def send_confirmation(self, subscriber_id: int) -> bool:
    """Send it if the subscriber still waits for it; False when nothing was sent."""
    settings = get_settings()
    with db.session_scope(settings.db_url) as session:
        subscriber = session.get(Subscriber, subscriber_id)
        if subscriber is None or subscriber.status != Status.PENDING:
            return False
        message = _confirmation(subscriber)
        recipient, name = subscriber.email, subscriber.name
    sender = get_sender(settings)
    try:
        address = sender.address(recipient)
        # The To header as campaigns write it (the address may be UTF-8, which the email
        # package's header classes refuse); CRLF line ends, as SMTP wants them.
        to = f"To: {mailbox(name, address)}\r\n".encode()
        raw = to + message.as_bytes(policy=SMTP)
        outcome = sender.send(raw, settings.from_address, address)
    except Undeliverable as error:
        return _not_sent(subscriber_id, str(error))
    except Ambiguous as error:  # it may have been delivered: never sent a second time
        log.warning("confirmation to subscriber %s may not have arrived: %s",
                    subscriber_id, error)
        return False
    except TemporaryFailure as error:
        if self.request.retries >= self.max_retries:  # an hour and a half of tries
            return _not_sent(subscriber_id, f"still failing after {self.max_retries} tries: "
                                            f"{error}")
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 1800)) from error
    finally:
        sender.close()
    if not outcome.accepted:
        return _not_sent(subscriber_id, outcome.reply)
    return True
