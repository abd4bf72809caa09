"""A relay that goes away mid-send, then comes back, with a real worker and a real SMTP
server on 127.0.0.1, on SQLite and on PostgreSQL: nobody lost, nobody mailed twice,
nobody's attempts spent on it, and the campaign says it is waiting for the relay. The
retry schedule is shortened through INFOLETTRE_SEND_RETRY_SECONDS, so a long outage fits in
seconds."""

import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from mailer import db
from mailer.settings import get_settings
from tests.sending.conftest import add_subscribers, worker_env
from tests.sending.test_crash import SUBSCRIBERS, check_exactly_once, launch, wait_until_done
from tests.sending.test_send_batch import deliveries, planned
from tests.support.webapp import CeleryWorker
from workers import sending
from workers.models import Delivery


@pytest.fixture(params=["sqlite", "postgresql"])
def outage_env(request, tmp_path, redis_server, smtp_server):
    env, url = worker_env(request, tmp_path, redis_server, smtp_server,
                          send_retry_seconds="[1, 1, 2]")
    emails = add_subscribers(url, SUBSCRIBERS)
    smtp_server.data_delay = 0.02
    worker = CeleryWorker(env, tmp_path / "worker.log").start()
    yield env, url, emails
    worker.stop()
    db.get_engine(url).dispose()


def status(env) -> str:
    return subprocess.run([sys.executable, "-m", "mailer", "campaign", "status", "1"],
                          env=env, check=True, capture_output=True, text=True,
                          timeout=60).stdout


def test_relay_refusing_connections_then_recovering(outage_env, smtp_server):
    env, url, emails = outage_env
    launch(env)
    smtp_server.wait_for(20, timeout=60)
    smtp_server.stop()  # connections refused from now on
    deadline = time.monotonic() + 30
    while "waiting for the relay since" not in (line := status(env)):
        assert time.monotonic() < deadline, line
        time.sleep(0.3)
    time.sleep(6)  # several tries of the schedule meet the refused relay
    stopped_at = len(smtp_server.messages)
    smtp_server.start()
    states = wait_until_done(url)
    check_exactly_once(smtp_server, url, emails, states)
    assert len(smtp_server.messages) > stopped_at
    assert states["failed"] == 0
    with db.session_scope(url) as session:
        assert max(session.scalars(select(Delivery.attempts))) == 1
    assert "waiting for the relay" not in status(env)


def test_421_and_close_gives_the_attempt_back(send_env, smtp_server, example_editions,
                                              monkeypatch):
    """The relay answers 421 and closes (RFC 5321 4.2.3): the row being tried goes back to
    the queue as it was, the rest of the batch is untouched. One stream: on two, the
    other connection's next RCPT, abandoned as the batch stops, may reach the server after
    the next outage is set up, and use it up."""
    monkeypatch.setenv("INFOLETTRE_SMTP_URL", f"{smtp_server.url}?streams=1")
    get_settings.cache_clear()
    add_subscribers(send_env, 3)
    smtp_server.drop_at_rcpt = 2
    campaign, batches = planned(send_env, example_editions)
    for _ in range(3):  # the same outage met by three tries in a row
        with db.get_engine(send_env).connect() as conn, pytest.raises(sending.RelayDown):
            sending.send_batch(get_settings(), conn, campaign.id, *batches[0])
        smtp_server.drop_at_rcpt = 1
    smtp_server.drop_at_rcpt = 0
    with db.get_engine(send_env).connect() as conn:
        assert sending.send_batch(get_settings(), conn, campaign.id, *batches[0]) == 2
    assert {row.state for row in deliveries(send_env, campaign.id).values()} == {"sent"}
    with db.session_scope(send_env) as session:
        assert set(session.scalars(select(Delivery.attempts))) == {1}
    assert len(smtp_server.messages) == 3
