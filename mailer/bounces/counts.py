"""One truth for the counts of bounces: the bounce events, whatever brought them (the
relay's refusal during the send, a report in the bounce mailbox, a provider's webhook).

The console's history, campaign and bounces pages, `campaign status` and `bounces report`
all count from here, so that they agree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailer.bounces.finding import BOUNCES
from mailer.bounces.models import BounceEvent


def by_kind(session: Session, campaign_id: int) -> Counter:
    """hard, soft, delay, complaint, … events of one campaign."""
    return Counter(dict(session.execute(
        select(BounceEvent.kind, func.count()).where(BounceEvent.campaign_id == campaign_id)
        .group_by(BounceEvent.kind)).all()))


def bounced(session: Session, campaign_id: int) -> int:
    """Bounces of the campaign, of any kind and fault (refusals at send time included)."""
    return sum(n for kind, n in by_kind(session, campaign_id).items() if kind in BOUNCES)


class Refusals(NamedTuple):
    """How many messages one receiving domain (None: unknown) refused for one reason
    (a mailer.bounces.reasons value); said in words by mailer.console.bounce_words."""

    domain: str | None
    cause: str | None
    count: int


def sender_side(session: Session, campaign_id: int | None = None, limit: int = 10,
                since: dt.datetime | None = None) -> list[Refusals]:
    """The refusals that were the sender's or the path's, by receiving domain and reason,
    most frequent first. Of one campaign, or of all received `since` a moment (UTC)."""
    query = (select(BounceEvent.domain, BounceEvent.cause, func.count())
             .where(BounceEvent.kind.in_(BOUNCES), BounceEvent.fault.in_(("sender", "path")))
             .group_by(BounceEvent.domain, BounceEvent.cause)
             .order_by(func.count().desc()).limit(limit))
    if campaign_id is not None:
        query = query.where(BounceEvent.campaign_id == campaign_id)
    if since is not None:
        query = query.where(BounceEvent.received_at >= since)
    return [Refusals(*row) for row in session.execute(query).all()]
