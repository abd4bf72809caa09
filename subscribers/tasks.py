"""Celery tasks of a signup: record it, then send its confirmation email.

The web request only validates the form and queues `sign_up`: the same work, and so the
same time, whether the address is new, pending, subscribed or suppressed (what the list
holds is decided here, out of the visitor's sight).
"""

from __future__ import annotations

import logging
import smtplib
from email.policy import SMTP

from sqlalchemy.exc import IntegrityError

from mailer import db
from mailer.settings import get_settings
from mailer.transport import get_sender
from subscribers import signup
from subscribers.confirmation import confirmation_message
from subscribers.models import Status, Subscriber
from subscribers.validation import Applicant
from workers.app import app

log = logging.getLogger(__name__)


def _temporary(error: Exception) -> bool:
    """4xx answers and lost connections are worth another try; 5xx answers are final."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | OSError)


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


@app.task(bind=True, name="subscribers.send_confirmation", max_retries=8)
def send_confirmation(self, subscriber_id: int) -> bool:
    """Send it if the subscriber still waits for it; False when nothing was sent."""
    with db.session_scope(get_settings().db_url) as session:
        subscriber = session.get(Subscriber, subscriber_id)
        if subscriber is None or subscriber.status != Status.PENDING:
            return False
        message = confirmation_message(subscriber)
        recipient = subscriber.email
    sender = get_sender()
    try:
        # CRLF line ends: smtplib sends bytes as they are, and SMTP wants CRLF.
        raw = message.as_bytes(policy=SMTP)
        sender.send(raw, get_settings().from_address, [recipient])
    except (smtplib.SMTPException, OSError) as error:
        if not _temporary(error):
            log.warning("confirmation to subscriber %s refused: %s", subscriber_id, error)
            return False
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 1800)) from error
    finally:
        sender.close()
    return True
