"""Real processes, really killed: a worker SIGKILLed mid-batch, Redis restarted mid-send, on
SQLite and on PostgreSQL. Every subscriber gets the issue once; nobody gets it twice; a kill
leaves at most the group of deliveries in flight of each batch the worker was sending
`unknown`."""

import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select

from mailer import db
from tests.sending.conftest import EXAMPLE, add_subscribers, worker_env
from tests.support.webapp import CeleryWorker
from workers.ledger import GROUP
from workers.models import Delivery, DeliveryState

SUBSCRIBERS = 120


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_env(request, tmp_path, redis_server, smtp_server):
    env, url = worker_env(request, tmp_path, redis_server, smtp_server,
                          send_lease_seconds="1", sweep_interval_seconds="1")
    emails = add_subscribers(url, SUBSCRIBERS)
    smtp_server.data_delay = 0.03  # a slow relay, so that the kill lands mid-batch
    workers = []

    def start_worker(beat: bool = False) -> CeleryWorker:
        worker = CeleryWorker(env, tmp_path / f"worker{len(workers)}.log", beat).start()
        workers.append(worker)
        return worker

    yield env, url, emails, start_worker
    for worker in workers:
        worker.stop()
    db.get_engine(url).dispose()


def launch(env) -> None:
    subprocess.run([sys.executable, "-m", "mailer", "send", str(EXAMPLE), "--yes"],
                   env=env, check=True, capture_output=True, timeout=120)


def wait_until_done(url, timeout=90.0) -> Counter:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session_scope(url) as session:
            states = Counter(session.scalars(select(Delivery.state)).all())
        if sum(states.values()) == SUBSCRIBERS and not states[DeliveryState.QUEUED] \
                and not states[DeliveryState.SENDING]:
            return states
        time.sleep(0.2)
    raise TimeoutError(f"campaign not finished: {states}")


def check_exactly_once(smtp_server, url, emails, states) -> None:
    received = Counter(m["To"].split("<")[-1].rstrip(">") for m in smtp_server.messages)
    assert not [address for address, n in received.items() if n > 1], "someone got it twice"
    with db.session_scope(url) as session:
        unknown = set(session.scalars(
            select(Delivery.email).where(Delivery.state == DeliveryState.UNKNOWN)
        ))
    missing = set(emails) - set(received)
    assert missing <= unknown, "a recipient was lost"
    # at most the group in flight of each batch the worker was sending when it died
    assert len(unknown) <= GROUP * CeleryWorker.CONCURRENCY
    assert states[DeliveryState.SENT] + len(unknown) == len(emails)


def test_worker_killed_mid_batch_resumes_without_loss_or_duplicate(crash_env, smtp_server):
    env, url, emails, start_worker = crash_env
    worker = start_worker()
    launch(env)
    smtp_server.wait_for(30, timeout=60)
    worker.kill()
    killed_at = len(smtp_server.messages)
    assert killed_at < SUBSCRIBERS
    time.sleep(1.5)  # the lease of the dead worker's claim runs out
    start_worker()
    states = wait_until_done(url)
    check_exactly_once(smtp_server, url, emails, states)
    assert len(smtp_server.messages) > killed_at


def test_redis_restart_mid_send_loses_nobody(crash_env, smtp_server, redis_server):
    env, url, emails, start_worker = crash_env
    start_worker()
    launch(env)
    smtp_server.wait_for(20, timeout=60)
    redis_server.restart()
    states = wait_until_done(url)
    check_exactly_once(smtp_server, url, emails, states)
    assert states[DeliveryState.SENT] == SUBSCRIBERS


def test_one_of_two_workers_killed_the_other_and_the_beat_finish(crash_env, smtp_server):
    """Production's shape: two workers, one of them with the beat. The other is killed
    mid-batch and never comes back: the sweep expires its claims and gives its queued rows
    to the survivor; the campaign ends, nobody twice, nobody lost beyond its group."""
    env, url, emails, start_worker = crash_env
    start_worker(beat=True)
    doomed = start_worker()
    launch(env)
    deadline = time.monotonic() + 60
    while b"workers.send_batch" not in doomed.log.read_bytes():  # it holds a batch
        assert time.monotonic() < deadline, "the second worker never took a batch"
        time.sleep(0.05)
    time.sleep(0.3)
    doomed.kill()
    states = wait_until_done(url)
    check_exactly_once(smtp_server, url, emails, states)


@pytest.fixture(params=["sqlite"])
def long_lease_env(request, tmp_path, redis_server, smtp_server):
    env, url = worker_env(request, tmp_path, redis_server, smtp_server,
                          send_lease_seconds="6", sweep_interval_seconds="3600")
    emails = add_subscribers(url, SUBSCRIBERS)
    smtp_server.data_delay = 0.03
    workers = []
    yield env, url, emails, workers
    for worker in workers:
        worker.stop()
    db.get_engine(url).dispose()


def test_worker_killed_and_started_again_at_once_without_beat_ends_the_campaign(
        long_lease_env, smtp_server, tmp_path):
    """`infolettre worker` alone, killed mid-send and started again before the dead one's
    claims expire: they became `unknown` only with the beat's sweep, so without a beat the
    campaign stayed `sending` with them remaining, forever."""
    env, url, emails, workers = long_lease_env
    workers.append(CeleryWorker(env, tmp_path / "first.log").start())
    launch(env)
    smtp_server.wait_for(30, timeout=60)
    workers[0].kill()
    workers.append(CeleryWorker(env, tmp_path / "again.log").start())  # no beat
    states = wait_until_done(url, timeout=60)
    check_exactly_once(smtp_server, url, emails, states)
