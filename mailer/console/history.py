"""The history page: every campaign with what became of it, and two small charts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from babel.dates import format_date
from sqlalchemy import func, select

from mailer import db
from mailer.bounces.models import BounceEvent
from mailer.console.access import requires
from mailer.console.base import bp, language_of_page, page
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
            rows.append({"id": campaign.id, "slug": campaign.slug, "number": campaign.number,
                         "state": campaign.state,
                         "test": campaign.test, "created": campaign.created_at,
                         "started": campaign.started_at, "finished": campaign.finished_at,
                         "sent": count[DeliveryState.SENT],
                         "failed": count[DeliveryState.FAILED],
                         "bounced": bounced[campaign.id], "complained": complained[campaign.id],
                         "unsubscribed": unsubscribed[campaign.id]})
        # Counted month by month in Python: the same on SQLite and PostgreSQL, streamed.
        months = Counter(f"{moment:%Y-%m}" for moment in session.scalars(
            select(Subscriber.created_at).execution_options(yield_per=5000)))
    sends = [row for row in rows if not row["test"]]
    return page("history.html", rows=sends, tests=[row for row in rows if row["test"]],
                growth=_growth(months, language_of_page()),
                bounce_bars=[(row["slug"], row["bounced"]) for row in reversed(sends)])


def _growth(months: Counter, language: str) -> list[tuple[str, int]]:
    """The list's size at the end of each month, every month from the first one to this
    one (a month without signups is a bar too), labelled as the language writes months."""
    if not months:
        return []
    year, month = map(int, min(months).split("-"))
    today = dt.date.today()
    growth, total = [], 0
    while (year, month) <= (today.year, today.month):
        total += months[f"{year:04d}-{month:02d}"]
        growth.append((format_date(dt.date(year, month, 1), "MMM y", locale=language), total))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return growth
