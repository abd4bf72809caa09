"""The whole path in a real Chromium: sign in → preview → test send → launch → watch the live
progress reach 100%, against gunicorn, a Celery worker and an SMTP server on 127.0.0.1."""

from email.header import decode_header, make_header

import pytest
import requests
from sqlalchemy import select

from mailer import db
from mailer.console.models import AuditEntry
from subscribers.models import Status, Subscriber
from tests.console.test_access import ROOT, add_staff, sign_in
from tests.support.browser import axe_violations
from tests.support.webapp import CeleryWorker, WebProcess

READERS = {"fr": 3, "en": 2}


@pytest.fixture
def stack(tmp_path, smtp_server):
    web = WebProcess(tmp_path / "home", issues_dir=str(ROOT / "issues"))
    add_staff(web.env, "sender@example.org", "sender")
    add_staff(web.env, "editor@example.org", "editor")
    web.start()
    with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
        for language, count in READERS.items():
            session.add_all(Subscriber(email=f"{language}{n}@example.org", language=language,
                                       status=Status.SUBSCRIBED) for n in range(count))
    worker = CeleryWorker({**web.env, "INFOLETTRE_SMTP_URL": smtp_server.url},
                          tmp_path / "worker.log").start()
    yield web
    worker.stop()
    web.stop()


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_preview_test_send_launch_and_watch_to_100_percent(stack, smtp_server, page):
    sign_in(page, stack, "sender@example.org")
    page.click("text=091.yaml")
    page.fill("#recipients", "proof@example.org")
    page.select_option("#test-language", "en")
    page.click("#send-test")
    page.wait_for_selector("#percent:text('100')", timeout=60_000)
    test_mail = smtp_server.wait_for(1, timeout=30)[0]
    assert subject(test_mail).startswith("[TEST]")
    assert smtp_server.envelopes[0][1] == ["proof@example.org"]

    page.goto(f"{stack.url}/console/issues/091.yaml")
    page.click("#launch")
    assert page.inner_text("#audience-total") == "5"
    page.click("#confirm-launch")
    page.wait_for_selector("#state:text('done')", timeout=90_000)  # updated without reload
    assert page.inner_text("#percent") == "100" and page.inner_text("#sent") == "5"
    assert len(smtp_server.wait_for(6, timeout=30)) == 6
    assert axe_violations(page) == []

    page.goto(f"{stack.url}/console/campaigns")
    launched = page.locator("#history tbody tr").first
    assert launched.locator(".sent").inner_text() == "5"
    assert launched.locator(".failed").inner_text() == "0"
    assert axe_violations(page) == []


def test_pause_resume_cancel_buttons(tmp_path, page):
    web = WebProcess(tmp_path / "home", issues_dir=str(ROOT / "issues"))
    add_staff(web.env, "sender@example.org", "sender")
    web.start()
    try:  # no worker: the campaign stays where the buttons put it
        sign_in(page, web, "sender@example.org")
        page.goto(f"{web.url}/console/issues/091.yaml/launch")
        page.click("#confirm-launch")
        for action, state in (("pause", "paused"), ("resume", "sending"),
                              ("cancel", "cancelled")):
            page.click(f"button[value={action}]")
            page.wait_for_selector(f"#state:text('{state}')", timeout=15_000)
        with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
            actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-4:] == ["launch", "pause", "resume", "cancel"]
    finally:
        web.stop()


def test_an_editor_cannot_launch_or_pause(stack, page):
    sign_in(page, stack, "editor@example.org")
    assert page.goto(f"{stack.url}/console/issues/091.yaml/launch").status == 403
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    refused = requests.post(f"{stack.url}/console/issues/091.yaml/launch", cookies=cookies,
                            allow_redirects=False, timeout=10)
    assert refused.status_code in (400, 403)  # no CSRF token, and no right to launch anyway


def test_logged_out_sees_no_campaign(stack):
    response = requests.get(f"{stack.url}/console/campaigns/1/progress", allow_redirects=False,
                            timeout=10)
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
