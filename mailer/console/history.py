"""Every campaign with its outcome: delivery counts and what readers did because of it."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from subscribers.models import EventKind, SubscriberEvent
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
