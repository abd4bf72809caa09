"""Celery tasks of sending. Each one reads its truth from the database (workers.campaigns),
so a task delivered twice, late, or lost and re-queued by the sweep sends nobody twice."""

from __future__ import annotations

import datetime as dt
import logging

from celery.signals import worker_ready
from sqlalchemy import select

from mailer.db import get_engine, session_scope
from mailer.settings import get_settings
from subscribers.models import utcnow
from workers import campaigns, sending
from workers.app import app
from workers.models import Campaign, CampaignState
from workers.smtp import TemporaryFailure

log = logging.getLogger(__name__)


def _dispatch(campaign_id: int):
    return lambda low, high: send_batch.delay(campaign_id, low, high)


@app.task(name="workers.start_campaign")
def start_campaign(campaign_id: int) -> None:
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.state != CampaignState.SENDING:
            return
        campaign.started_at = campaign.started_at or utcnow()
        session.commit()
        if not campaign.planned:
            campaigns.plan(session, campaign, _dispatch(campaign_id))
        else:
            for low, high in campaigns.pending_batches(session, campaign_id):
                send_batch.delay(campaign_id, low, high)
        campaigns.finish_if_done(session, campaign)


@app.task(name="workers.send_batch", bind=True, autoretry_for=(TemporaryFailure,),
          retry_backoff=5, retry_backoff_max=600, retry_jitter=True, max_retries=10)
def send_batch(self, campaign_id: int, low: int, high: int) -> int:
    """One SMTP connection for up to BATCH messages. A 4xx or a dropped connection retries
    the task later (the rows already sent stay sent); a 5xx fails that delivery only."""
    settings = get_settings()
    with get_engine().connect() as conn:
        sent = sending.send_batch(settings, conn, campaign_id, low, high)
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is not None:
            campaigns.finish_if_done(session, campaign)
    return sent


@app.task(name="workers.sweep")
def sweep() -> None:
    """Start scheduled campaigns whose time has come; after a crash, expire the claims of
    dead workers and queue again whatever is still queued."""
    lease = dt.timedelta(seconds=get_settings().send_lease_seconds)
    with session_scope() as session:
        due = session.scalars(select(Campaign).where(
            Campaign.state == CampaignState.SCHEDULED, Campaign.scheduled_at <= utcnow()
        )).all()
        for campaign in due:
            campaign.state = CampaignState.SENDING
        session.commit()
        running = session.scalars(
            select(Campaign.id).where(Campaign.state == CampaignState.SENDING)
        ).all()
        for campaign_id in running:
            campaigns.expire_claims(session, campaign_id, lease)
    for campaign_id in running:
        start_campaign.delay(campaign_id)


@worker_ready.connect
def _resume_on_start(**_) -> None:
    sweep.delay()
