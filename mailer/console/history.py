"""Every campaign with its outcome: delivery counts and what readers did because of it."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from subscribers.models import EventKind, Subscriber, SubscriberEvent
from workers.models import Campaign, Delivery, DeliveryState

REACTIONS = (EventKind.BOUNCED, EventKind.COMPLAINED, EventKind.UNSUBSCRIBED)


def history(session: Session, limit: int = 100) -> list[dict]:
    """Newest first; three grouped queries whatever the number of deliveries."""
    items = list(session.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(limit)))
    ids = [item.id for item in items]
    tally: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    deliveries = session.execute(
        select(Delivery.campaign_id, Delivery.state, func.count())
        .where(Delivery.campaign_id.in_(ids)).group_by(Delivery.campaign_id, Delivery.state))
    events = session.execute(
        select(SubscriberEvent.campaign_id, SubscriberEvent.kind, func.count())
        .where(SubscriberEvent.campaign_id.in_(ids), SubscriberEvent.kind.in_(REACTIONS))
        .group_by(SubscriberEvent.campaign_id, SubscriberEvent.kind))
    for campaign_id, key, count in [*deliveries, *events]:
        tally[campaign_id][str(key)] = count
    rows = []
    for item in items:
        counts = tally[item.id]
        rows.append({
            "campaign": item, "sent": counts[DeliveryState.SENT],
            "failed": counts[DeliveryState.FAILED],
            **{str(kind): counts[kind] for kind in REACTIONS},
        })
    most = max((row["bounced"] for row in rows), default=0) or 1
    for row in rows:
        row["bounce_bar"] = round(100 * row["bounced"] / most)  # width of the chart's bar
    return rows


JOINS = {EventKind.CONFIRMED: 1, EventKind.RESUBSCRIBED: 1}
LEAVES = (EventKind.UNSUBSCRIBED, EventKind.BOUNCED, EventKind.COMPLAINED, EventKind.ERASED)


def growth(session: Session) -> list[tuple[str, int]]:
    """Subscribers at the end of each month, from the event log (streamed, not loaded).

    An import counts as a join when it came with consent (else the row is only pending).
    Erasure unlinks a person's events: their import then counts as a join, balanced by
    the erasure's leave (approximate for someone erased after unsubscribing).
    """
    change: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(SubscriberEvent.at, SubscriberEvent.kind, Subscriber.id, Subscriber.consent_at)
        .outerjoin(Subscriber, Subscriber.id == SubscriberEvent.subscriber_id)
        .where(SubscriberEvent.kind.in_([*JOINS, EventKind.IMPORTED, *LEAVES]))
        .execution_options(yield_per=5000))
    for at, kind, subscriber_id, consent_at in rows:
        if kind == EventKind.IMPORTED and subscriber_id is not None and consent_at is None:
            continue
        change[f"{at:%Y-%m}"] += -1 if kind in LEAVES else 1
    total, out = 0, []
    for month in sorted(change):
        total += change[month]
        out.append((month, total))
    return out
