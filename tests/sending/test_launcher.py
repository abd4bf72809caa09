"""`infolettre send` queues the campaign's start from a child forked as it begins
(workers.launcher): once, only after the commit, never when the send is refused, and a
broker that does not answer is said, not a traceback."""

import base64
import json
import os
import signal
import socket
import time

import pytest
import redis

from mailer import db
from tests.sending.conftest import EXAMPLE, add_subscribers
from tests.sending.test_send_cli import run
from tests.support.servers import free_port
from tests.support.webapp import infolettre_env
from workers.launcher import BrokerUnavailable, Launcher
from workers.models import Campaign, CampaignState


def _env(tmp_path, broker_url):
    env = infolettre_env(tmp_path, broker_url=broker_url)
    db.upgrade(env["INFOLETTRE_DATABASE_URL"])
    add_subscribers(env["INFOLETTRE_DATABASE_URL"], 3)
    return env


def _queued(server) -> list[tuple[str, list]]:
    """The tasks waiting in Celery's default queue: (name, args)."""
    client = redis.Redis.from_url(server.url)
    messages = [json.loads(raw) for raw in client.lrange("celery", 0, -1)]
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0])
            for m in messages]


def test_the_start_is_queued_once_after_the_commit(tmp_path, redis_server):
    redis.Redis.from_url(redis_server.url).flushall()
    env = _env(tmp_path, redis_server.url)
    sent = run(env, "send", str(EXAMPLE), "--yes")
    assert sent.returncode == 0, sent.stderr
    assert "campaign 1 queued" in sent.stdout
    assert _queued(redis_server) == [("workers.start_campaign", [1])]


def test_a_refused_send_queues_nothing(tmp_path, redis_server):
    redis.Redis.from_url(redis_server.url).flushall()
    env = _env(tmp_path, redis_server.url)
    refused = run(env, "send", str(EXAMPLE), stdin="n\n")
    assert refused.returncode == 1
    assert _queued(redis_server) == []
    with db.session_scope(env["INFOLETTRE_DATABASE_URL"]) as session:
        assert session.query(Campaign).count() == 0


def test_a_broker_that_does_not_answer_is_said_before_anything_is_created(tmp_path):
    for broker in (f"redis://127.0.0.1:{free_port()}/0", "nonsense://"):  # nobody; no transport
        env = _env(tmp_path / broker.partition(":")[0], broker)
        started = time.monotonic()
        sent = run(env, "send", str(EXAMPLE), "--yes")
        assert time.monotonic() - started < 30
        assert sent.returncode == 2 and "Traceback" not in sent.stderr
        assert sent.stderr.startswith("the broker (INFOLETTRE_BROKER_URL) cannot take the send: ")
        assert sent.stderr.rstrip().endswith("; nothing was created")
        with db.session_scope(env["INFOLETTRE_DATABASE_URL"]) as session:
            assert session.query(Campaign).count() == 0


def test_a_broker_that_stays_silent_is_given_up_on(tmp_path):
    # It takes the connection and never answers: redis-py would wait forever.
    silent = socket.create_server(("127.0.0.1", 0))
    try:
        env = _env(tmp_path, f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        sent = run(env, "send", str(EXAMPLE), "--yes")
        assert time.monotonic() - started < 60
        assert sent.returncode == 2 and "Traceback" not in sent.stderr
        assert "nothing was created" in sent.stderr
    finally:
        silent.close()


def test_a_resume_the_broker_does_not_take_is_said(tmp_path):
    env = _env(tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    with db.session_scope(env["INFOLETTRE_DATABASE_URL"]) as session:
        session.add(Campaign(slug="091", number=91, state=CampaignState.PAUSED))
        session.commit()
    resumed = run(env, "campaign", "resume", "1")
    assert resumed.returncode == 2 and "Traceback" not in resumed.stderr
    assert resumed.stderr.startswith("campaign 1 is resumed, but its start could not be queued")


def test_a_child_that_died_leaves_the_start_to_the_command():
    queued = []
    with Launcher(queue=queued.append) as launcher:
        assert launcher.pid
        os.kill(launcher.pid, signal.SIGKILL)
        launcher.start(7)
    assert queued == [7]


def test_without_the_child_the_command_queues_and_says_why_it_could_not():
    queued = []
    Launcher(ahead=False, queue=queued.append).start(5)
    assert queued == [5]

    def refuse(_campaign_id):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    with pytest.raises(BrokerUnavailable, match="ConnectionRefusedError: .*refused"):
        Launcher(ahead=False, queue=refuse).start(5)

