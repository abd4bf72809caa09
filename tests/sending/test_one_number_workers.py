"""091.yaml sent, then the same issue again as 091-final.yaml, by `infolettre send` through
real Celery workers to a real SMTP server, on SQLite and PostgreSQL: every subscriber
receives exactly one message, and the person launching is told so before confirming.
Another issue that kept number 91 is refused, naming the line to change."""

import shutil
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from mailer import db
from subscribers.models import Subscriber
from tests.sending.conftest import EXAMPLE, add_subscribers, worker_env
from tests.support.webapp import CeleryWorker
from workers.models import Campaign, CampaignState


def send(env, *args, stdin=""):
    return subprocess.run([sys.executable, "-m", "mailer", "send", *args], env=env,
                          input=stdin, capture_output=True, text=True, timeout=120, check=False)


def wait_done(url, campaign_id: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session_scope(url) as session:
            if session.get(Campaign, campaign_id).state == CampaignState.DONE:
                return
        time.sleep(0.2)
    raise TimeoutError(f"campaign {campaign_id} not done")


@pytest.fixture(params=["sqlite", "postgresql"])
def workers(request, tmp_path, redis_server, smtp_server):
    env, url = worker_env(request, tmp_path, redis_server, smtp_server)
    worker = CeleryWorker(env, tmp_path / "worker.log").start()
    yield env, url
    worker.stop()
    db.get_engine(url).dispose()


def test_the_final_file_of_a_sent_issue_mails_nobody_twice(workers, tmp_path, smtp_server):
    env, url = workers
    first_readers = add_subscribers(url, 8)
    sent = send(env, str(EXAMPLE), "--yes")
    assert sent.returncode == 0, sent.stderr
    wait_done(url, 1)
    assert len(smtp_server.wait_for(8)) == 8
    newcomers = add_subscribers(url, 3, start=8)  # they signed up since

    final = tmp_path / "091-final.yaml"  # the same issue, saved under another name
    shutil.copy(EXAMPLE, final)
    asked = send(env, str(final), stdin="n\n")
    assert asked.returncode == 1
    today = time.strftime("%Y-%m-%d", time.gmtime())
    note = (f"Issue 91 was already sent on {today} (from 091.yaml) to 8 subscribers; this "
            "send reaches only the 3 who were not reached.")
    assert note in asked.stdout
    again = send(env, str(final), "--yes")
    assert again.returncode == 0, again.stderr
    assert note in again.stdout
    wait_done(url, 2)
    time.sleep(0.5)  # a message sent twice would arrive now
    received = Counter(m["To"].split("<")[-1].rstrip(">") for m in smtp_server.messages)
    assert received == Counter(first_readers + newcomers)  # each exactly once

    # Issue 92 written from a copy of 91 whose number was not changed: refused, not sent to
    # the 0 subscribers "not reached"; nothing is created.
    other = tmp_path / "092.yaml"
    other.write_text(EXAMPLE.read_text(encoding="utf-8").replace("automne 2026", "hiver 2027")
                     .replace("autumn 2026", "winter 2027"), encoding="utf-8")
    refused = send(env, str(other), "--yes")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith(f"{other}: issue 91 was already sent on {today} as ")
    assert f"change `number:` in {other}, line 2" in refused.stderr
    assert "infolettre send --same-issue" in refused.stderr
    demo = subprocess.run([sys.executable, "-m", "mailer", "demo", "--issue", str(other)],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert demo.returncode == 2 and "Traceback" not in demo.stderr
    assert f"change `number:` in {other}, line 2" in demo.stderr
    with db.session_scope(url) as session:
        assert len(session.scalars(select(Campaign)).all()) == 2
        assert session.scalar(select(func.count()).select_from(Subscriber)) == 11
