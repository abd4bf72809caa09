"""The history page: every campaign with what became of it, and two small charts."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from mailer import db
from mailer.bounces.models import BounceEvent
from mailer.console.access import requires
from mailer.console.base import bp, page
from mailer.console.models import Role
from subscribers.models import EventKind, Subscriber, SubscriberEvent
from workers import campaigns
from workers.models import Campaign, DeliveryState


def _by_campaign(session, column, *where) -> Counter:
    rows = session.execute(select(column, func.count()).where(column.is_not(None), *where)
                           .group_by(column))
    return Counter(dict(rows.all()))


@bp.get("/campaigns")
@requires(Role.EDITOR)
def history():
    with db.session_scope() as session:
        bounced = _by_campaign(session, BounceEvent.campaign_id,
                               BounceEvent.kind.in_(("hard", "soft", "delay")))
        complained = _by_campaign(session, BounceEvent.campaign_id,
                                  BounceEvent.kind == "complaint")
        unsubscribed = _by_campaign(session, SubscriberEvent.campaign_id,
                                    SubscriberEvent.kind == EventKind.UNSUBSCRIBED)
        rows = []
        for campaign in session.scalars(select(Campaign).order_by(Campaign.id.desc())):
            count = campaigns.counts(session, campaign.id)
            rows.append({"id": campaign.id, "slug": campaign.slug, "state": campaign.state,
                         "test": campaign.test, "created": campaign.created_at,
                         "sent": count[DeliveryState.SENT],
                         "failed": count[DeliveryState.FAILED],
                         "bounced": bounced[campaign.id], "complained": complained[campaign.id],
                         "unsubscribed": unsubscribed[campaign.id]})
        # Counted month by month in Python: the same on SQLite and PostgreSQL, streamed.
        months = Counter(f"{moment:%Y-%m}" for moment in session.scalars(
            select(Subscriber.created_at).execution_options(yield_per=5000)))
    growth, total = [], 0
    for month in sorted(months):
        total += months[month]
        growth.append((month, total))
    return page("history.html", rows=rows, growth=growth,
                 peak=max([t for _, t in growth] + [1]),
                 worst=max([r["bounced"] for r in rows] + [1]))

