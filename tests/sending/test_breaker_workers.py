"""The circuit breaker with two real worker processes (Celery, Redis) and small batches,
against a real SMTP server on 127.0.0.1 that refuses every recipient for the sender's
reasons: the counts are the campaign's, so it pauses although no batch alone reaches a
threshold; every refused row is queued again, whichever worker met it; nobody's status
changes; and once the relay is fixed, resume mails everyone exactly once. On SQLite and on
PostgreSQL."""

import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select

from mailer import db
from mailer.console.bounce_words import said_on_the_command_line
from subscribers.models import Status, Subscriber
from tests.sending.conftest import add_subscribers, worker_env
from tests.sending.test_crash import launch
from tests.support.webapp import CeleryWorker
from workers.models import Campaign, CampaignState, Delivery, DeliveryState

READERS = 40
UNAUTHENTICATED = "550 5.7.26 This mail has been blocked because the sender is unauthenticated."


@pytest.fixture(params=["sqlite", "postgresql"])
def two_workers(request, tmp_path, redis_server, smtp_server):
    env, url = worker_env(request, tmp_path, redis_server, smtp_server,
                          send_batch_size="2")  # no batch alone can trip the breaker
    emails = add_subscribers(url, READERS)
    workers = [CeleryWorker(env, tmp_path / f"worker{n}.log").start() for n in range(2)]
    yield env, url, emails, workers
    for worker in workers:
        worker.stop()
    db.get_engine(url).dispose()


def settled(url, timeout=60.0):
    """The campaign's state and its deliveries' once no row is in flight or about to be."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session_scope(url) as session:
            state = session.scalar(select(Campaign.state))
            rows = Counter(session.scalars(select(Delivery.state)).all())
        if state != CampaignState.SENDING and not rows[DeliveryState.SENDING]:
            return state, rows
        time.sleep(0.2)
    raise TimeoutError(f"campaign still {state}: {rows}")


def test_two_workers_small_batches_a_relay_refusing_everyone(two_workers, smtp_server):
    env, url, emails, workers = two_workers
    smtp_server.refuse_rcpt = UNAUTHENTICATED
    launch(env)
    state, rows = settled(url)
    time.sleep(1)  # a batch that was still starting would show up now
    state, rows = settled(url)
    assert state == CampaignState.PAUSED
    assert rows == {DeliveryState.QUEUED: READERS}  # refused by either worker: queued again
    with db.session_scope(url) as session:
        assert Counter(session.scalars(select(Subscriber.status))) == {
            Status.SUBSCRIBED: READERS}
        reason = said_on_the_command_line(session.scalar(select(Campaign.pause_reason)))
    assert "refusals in a row" in reason and "DKIM" in reason
    took = [worker.log.read_text().count("workers.send_batch") for worker in workers]
    assert all(took), f"each worker took batches: {took}"

    smtp_server.refuse_rcpt = ""  # fixed: resume goes on where it stopped
    subprocess.run([sys.executable, "-m", "mailer", "campaign", "resume", "1"], env=env,
                   check=True, capture_output=True, timeout=60)
    state, rows = settled(url)
    assert (state, rows) == (CampaignState.DONE, {DeliveryState.SENT: READERS})
    received = Counter(m["To"] for m in smtp_server.wait_for(READERS, timeout=30))
    assert sorted(received) == sorted(emails) and set(received.values()) == {1}
