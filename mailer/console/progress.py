"""A campaign's progress as the console shows it: counts, rate and time left."""

from __future__ import annotations

from sqlalchemy.orm import Session

from subscribers.models import utcnow
from workers import campaigns
from workers.models import Campaign, CampaignState, DeliveryState

ENDED = (CampaignState.DONE, CampaignState.CANCELLED)


def progress(session: Session, campaign: Campaign) -> dict:
    count = campaigns.counts(session, campaign.id)
    total = sum(count.values())
    remaining = count[DeliveryState.QUEUED] + count[DeliveryState.SENDING]
    done = total - remaining
    started = campaign.started_at or campaign.created_at
    elapsed = max((utcnow() - _aware(started)).total_seconds(), 0.001)
    rate = count[DeliveryState.SENT] / elapsed if campaign.state == CampaignState.SENDING else 0
    # Until every delivery row is planned the total is still growing: not 100% yet.
    finished = campaign.state == CampaignState.DONE
    percent = 100 if finished else (int(100 * done / total) if total and campaign.planned else 0)
    return {
        "state": str(campaign.state), "test": campaign.test, "total": total,
        "sent": count[DeliveryState.SENT], "failed": count[DeliveryState.FAILED],
        "skipped": count[DeliveryState.SKIPPED], "remaining": remaining,
        "rate": round(rate, 1), "seconds_left": round(remaining / rate) if rate else None,
        "percent": percent, "ended": campaign.state in ENDED,
    }


def _aware(moment):
    # SQLite hands back naive datetimes; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)
