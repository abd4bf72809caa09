"""Attack 7: learning who is on the list from signup's answer or its timing. The request
does the same work for every address: it validates and queues one `subscribers.sign_up`
job, and never reads the list (issue 12). The timing itself is measured by
bench/signup_timing.py, not here."""

from __future__ import annotations

import re

import requests
from sqlalchemy import func, select

from mailer import db
from mailer.db import utcnow
from subscribers.models import Status, Subscriber, SubscriberEvent
from subscribers.service import suppress
from tests.support.webapp import WebProcess, queued_tasks


def _state(url):
    with db.session_scope(url) as session:
        return (session.scalar(select(func.count()).select_from(Subscriber)),
                session.scalar(select(func.count()).select_from(SubscriberEvent)))


def test_known_and_unknown_addresses_get_the_same_answer_after_the_same_work(tmp_path):
    web = WebProcess(tmp_path, rate_limits="false").start()  # no worker: jobs stay queued
    try:
        url, broker = web.env["INFOLETTRE_DATABASE_URL"], web.env["INFOLETTRE_BROKER_URL"]
        db.upgrade(url)
        with db.session_scope(url) as session:
            session.add(Subscriber(email="known@example.org", language="fr",
                                   status=Status.SUBSCRIBED, confirmed_at=utcnow()))
            suppress(session, "blocked@example.org", "complained")
        before = _state(url)
        http = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          http.get(f"{web.url}/subscribe", timeout=10).text).group(1)
        answers, queued = [], []
        for email in ("known@example.org", "new@example.org", "blocked@example.org"):
            answer = http.post(f"{web.url}/subscribe", timeout=10, data={
                "email": email, "language": "fr", "csrf_token": token})
            answers.append((answer.status_code, answer.text))
            queued.append(queued_tasks(broker)[len(sum(queued, [])):])
        assert len(set(answers)) == 1 and answers[0][0] == 200
        assert queued == [["subscribers.sign_up"]] * 3
        assert _state(url) == before  # the request read and wrote nothing of the list
    finally:
        web.stop()
