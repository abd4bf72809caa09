"""The relay's quota without Redis, on the batch path against a real SMTP server: one count
per process, shared by batches sent at once in threads; a wait for it holds nothing and
ends on a cancel."""

import threading
import time

import pytest
from sqlalchemy import func, select

from mailer import db
from mailer.settings import get_settings
from tests.sending.conftest import add_subscribers
from tests.sending.test_send_batch import planned
from workers import campaigns, ratelimit, sending
from workers.models import CampaignState, Delivery, DeliveryState


@pytest.fixture
def quota(send_env, monkeypatch):
    """Batches of 6; `quota(per_second=..., per_hour=...)` sets the relay's limits."""
    monkeypatch.setattr(ratelimit, "_quotas", {})  # a fresh process's count
    monkeypatch.setenv("INFOLETTRE_SEND_BATCH_SIZE", "6")

    def limits(**rates: int) -> None:
        for name, rate in rates.items():
            monkeypatch.setenv(f"INFOLETTRE_SEND_RATE_{name.upper()}", str(rate))
        get_settings.cache_clear()
    return limits


def in_threads(url, campaign_id, batches) -> list[threading.Thread]:
    def send(low, high):
        with db.get_engine(url).connect() as conn:
            sending.send_batch(get_settings(), conn, campaign_id, low, high)
    threads = [threading.Thread(target=send, args=batch) for batch in batches]
    for thread in threads:
        thread.start()
    return threads


def states(url, campaign_id) -> dict[str, int]:
    with db.session_scope(url) as session:
        return dict(session.execute(
            select(Delivery.state, func.count()).where(Delivery.campaign_id == campaign_id)
            .group_by(Delivery.state)).all())


def test_per_second_limit_is_the_process_one(send_env, quota, smtp_server, example_editions):
    quota(per_second=4)
    add_subscribers(send_env, 12)
    campaign, batches = planned(send_env, example_editions)
    assert len(batches) == 2
    start = time.monotonic()
    for thread in in_threads(send_env, campaign.id, batches):
        thread.join(timeout=30)
    assert len(smtp_server.wait_for(12)) == 12
    assert time.monotonic() - start >= 1.9  # 12 at 4 a second, not 4 a second per batch


def test_cancel_during_the_hours_wait(send_env, quota, smtp_server, example_editions):
    quota(per_hour=5)
    add_subscribers(send_env, 12)
    campaign, batches = planned(send_env, example_editions)
    threads = in_threads(send_env, campaign.id, batches)
    smtp_server.wait_for(5)
    time.sleep(1.5)  # the two batches wait for the next hour, nothing held
    assert len(smtp_server.messages) == 5  # five for the process, not five per batch
    assert states(send_env, campaign.id) == {DeliveryState.SENT: 5, DeliveryState.QUEUED: 7}
    with db.session_scope(send_env) as session:
        campaigns.set_state(session, campaign.id, CampaignState.CANCELLED)
    cancelled = time.monotonic()
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive()
    assert time.monotonic() - cancelled < 2  # seen within CHECK_SECONDS, not after the hour
    assert len(smtp_server.messages) == 5
    assert DeliveryState.SENDING not in states(send_env, campaign.id)
