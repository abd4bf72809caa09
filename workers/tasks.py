"""Celery tasks of sending. Each one reads its truth from the database (workers.campaigns),
so a task delivered twice, late, or lost and re-queued by the sweep sends nobody twice."""

from __future__ import annotations

import datetime as dt
import logging

from celery.signals import worker_ready
from sqlalchemy import select

from mailer.db import get_engine, session_scope, utcnow
from mailer.settings import get_settings
from workers import campaigns, sending
from workers.app import START_CAMPAIGN, app
from workers.models import Campaign, CampaignState

log = logging.getLogger(__name__)


def _dispatch(campaign_id: int):
    return lambda low, high: send_batch.delay(campaign_id, low, high)


@app.task(name=START_CAMPAIGN)
def start_campaign(campaign_id: int) -> None:
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.state != CampaignState.SENDING:
            return
        if campaigns.waiting_for_relay(campaign):
            return  # the wake-up set when the relay went down starts it again
        campaign.started_at = campaign.started_at or utcnow()
        session.commit()
        if not campaign.planned:
            campaigns.plan(session, campaign, _dispatch(campaign_id))
        else:
            for low, high in campaigns.pending_batches(session, campaign_id):
                send_batch.delay(campaign_id, low, high)
        campaigns.finish_if_done(session, campaign)


@app.task(name="workers.send_batch", bind=True)
def send_batch(self, campaign_id: int, low: int, high: int) -> int:
    """One SMTP connection for up to settings.send_batch_size messages. An unavailable
    relay puts the whole campaign to wait (settings.send_retry_seconds) and consumes
    nobody's attempts; a 4xx about one recipient retries this batch later; a 5xx fails
    that delivery only."""
    settings = get_settings()
    sent = 0
    try:
        with get_engine().connect() as conn:
            sent = sending.send_batch(settings, conn, campaign_id, low, high)
    except sending.RelayDown as error:
        log.warning("campaign %s: relay unavailable: %s", campaign_id, error)
        with session_scope() as session:
            delay = campaigns.relay_down(session, campaign_id, str(error),
                                         settings.send_retry_seconds)
        if delay is not None:
            start_campaign.apply_async((campaign_id,), countdown=delay)
        return 0
    except sending.Deferred as error:
        if self.request.retries < sending.MAX_ATTEMPTS:
            delay = campaigns.retry_delay(settings.send_retry_seconds, self.request.retries)
            raise self.retry(exc=error, countdown=delay,
                             max_retries=sending.MAX_ATTEMPTS) from error
        # past that, the sweep queues the rows again until their attempts run out
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
    # A worker started again at once after a kill finds the dead one's claims younger than
    # the lease: one more sweep once it has run out makes them `unknown`, so that the
    # campaign ends even where no beat runs (`infolettre worker` alone).
    sweep.apply_async(countdown=get_settings().send_lease_seconds + 1)
