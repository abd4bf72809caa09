"""The console in a real Chromium against the web app, a Celery worker and an SMTP server."""

from __future__ import annotations

import shutil
from email.header import decode_header, make_header

import pytest

from mailer import db
from mailer.console.staff import add_staff
from tests.console.conftest import ISSUES, PASSWORD
from tests.support.browser import axe_violations
from tests.support.webapp import CeleryWorker, WebProcess


@pytest.fixture
def stack(tmp_path, smtp_server):
    issues = tmp_path / "issues"
    shutil.copytree(ISSUES, issues)
    web = WebProcess(tmp_path, issues_dir=str(issues)).start()
    with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
        add_staff(session, "editor@example.org", PASSWORD, "editor", "en")
    worker = CeleryWorker({**web.env, "INFOLETTRE_SMTP_URL": smtp_server.url},
                          tmp_path / "worker.log").start()
    yield web
    worker.stop()
    web.stop()


def test_login_preview_test_send_in_chromium(stack, smtp_server, page):
    page.goto(f"{stack.url}/console/issues/091", timeout=15_000)
    assert "/console/login" in page.url  # logged out: nothing but the login form
    page.get_by_label("Email address").fill("editor@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/console/issues/091", timeout=15_000)
    assert axe_violations(page) == []

    # both languages, each at 600 and 375 px, side by side
    for language in ("fr", "en"):
        frames = page.locator(f'section[data-language="{language}"] iframe')
        widths = [box["width"] for box in (frames.nth(i).bounding_box() for i in range(2))]
        assert [round(w) for w in widths] == [602, 377]  # with the 1 px border
    assert "KB / 102 KB" in page.locator(".size").first.inner_text()

    page.get_by_label("Languages").select_option("en")
    page.get_by_role("button", name="Send the test").click()
    page.get_by_role("status").wait_for(timeout=15_000)
    mail = smtp_server.wait_for(1, timeout=60)[0]
    assert smtp_server.envelopes[0][1] == ["editor@example.org"]
    assert str(make_header(decode_header(mail["Subject"]))).startswith("[TEST]")
