"""The bounce mailbox, polled by Celery beat every `bounce_poll_seconds`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from mailer import db
from mailer.bounces import imap
from mailer.bounces.models import BounceEvent
from mailer.db import utcnow
from mailer.settings import get_settings
from workers.app import app


@app.task(name="bounces.poll", acks_late=False)  # a second poll would only find less to do
def poll_bounces() -> dict:
    settings = get_settings()
    if not settings.bounce_imap_url:
        return {}
    counts = dict(imap.poll(settings.bounce_imap_url))
    forget_old_messages()
    return counts


def forget_old_messages() -> None:
    """The raw text of bounces is kept for `bounce_keep_days` days, the event for good."""
    cutoff = utcnow() - dt.timedelta(days=get_settings().bounce_keep_days)
    with db.session_scope() as session:
        session.execute(update(BounceEvent).where(BounceEvent.received_at < cutoff,
                                                  BounceEvent.raw.is_not(None)).values(raw=None))
