"""Celery task: send the confirmation email of a signup (queued after the commit)."""

from __future__ import annotations

import smtplib

from mailer import db
from mailer.settings import get_settings
from mailer.transport import get_sender
from subscribers.confirmation import confirmation_message
from subscribers.models import Status, Subscriber
from workers.app import app


@app.task(
    name="subscribers.send_confirmation",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
)
def send_confirmation(subscriber_id: int) -> bool:
    """Send it if the subscriber still waits for it; False when there is nothing to send."""
    with db.session_scope() as session:
        subscriber = session.get(Subscriber, subscriber_id)
        if subscriber is None or subscriber.status != Status.PENDING:
            return False
        message = confirmation_message(subscriber)
        recipient = subscriber.email
    sender = get_sender()
    try:
        sender.send(message.as_bytes(), get_settings().from_address, [recipient])
    finally:
        sender.close()
    return True
