"""The website's own page (another origin) signs visitors up: the pasted HTML snippet
without JavaScript, and the JSON variant from script through CORS, in a real Chromium; a
real Celery worker records the signups."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select

from mailer import db
from subscribers.models import Subscriber
from tests.support.webapp import CeleryWorker, StaticSite, WebProcess

FETCH = """async ([url, email]) => {
  const answer = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                   body: JSON.stringify({email: email, language: "en"})});
  return [answer.status, (await answer.json()).status];
}"""


@pytest.fixture
def site_and_app(tmp_path):
    site = StaticSite()
    web = WebProcess(tmp_path, site_origin=site.origin).start()
    worker = CeleryWorker(web.env, tmp_path / "worker.log").start()
    snippet = requests.get(f"{web.url}/subscribe/snippet?lang=en", timeout=10).text
    site.html = f"<!doctype html><html lang='en'><title>Site</title><main>{snippet}</main>"
    yield web, site
    worker.stop()
    web.stop()
    site.stop()


def test_snippet_and_json_from_the_website(site_and_app, browser):
    web, site = site_and_app
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.origin + "/", timeout=15_000)
    page.get_by_label("Email address").fill("from-site@example.org")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for(timeout=10_000)
    context.close()

    context = browser.new_context()
    page = context.new_page()
    page.goto(site.origin + "/", timeout=15_000)
    assert page.evaluate(FETCH, [f"{web.url}/api/subscribe", "from-script@example.org"]) == [
        202, "ok"
    ]
    deadline = time.monotonic() + 20
    while True:  # the worker records both signups
        with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
            rows = session.execute(select(Subscriber.email, Subscriber.consent_source)).all()
        if len(rows) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert sorted(rows) == [
        ("from-script@example.org", "web:json"), ("from-site@example.org", "web:website"),
    ]
    context.close()
