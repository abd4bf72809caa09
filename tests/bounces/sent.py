"""A delivery of ours to an address, as the sending workers leave it: what ties a report
without VERP to a message we sent (mailer.bounces.provenance)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select

from mailer import db
from mailer.db import utcnow
from subscribers.models import Subscriber, normalise_email
from workers.models import Campaign, CampaignState, Delivery, DeliveryState

_numbers = itertools.count(1)


def sent_to(url: str, email: str, days_ago: float = 1, state: str = DeliveryState.SENT,
            campaign_id: int | None = None) -> int:
    """Record that we sent `email` (a subscriber's) a message `days_ago` days ago, in a
    finished campaign (a new one unless `campaign_id`); returns the campaign's id."""
    at = utcnow() - dt.timedelta(days=days_ago)
    email = normalise_email(email)
    with db.session_scope(url) as session:
        if campaign_id is None:
            campaign = Campaign(slug=f"sent-{next(_numbers)}", state=CampaignState.DONE,
                                started_at=at, finished_at=at)
            session.add(campaign)
            session.flush()
            campaign_id = campaign.id
        person = session.scalar(select(Subscriber.id).where(Subscriber.email == email))
        session.add(Delivery(campaign_id=campaign_id, subscriber_id=person, email=email,
                             language="fr", state=state, attempts=1, updated_at=at))
    return campaign_id


def said(event) -> str:
    """A bounce event's notes and diagnostic words in English, as the command line says them."""
    from mailer.console.note_words import in_english

    return in_english(event.notes, event.reason)
