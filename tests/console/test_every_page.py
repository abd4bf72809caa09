"""Every page of the console, in French and in English, in a real Chromium: it answers,
shows no raw label key or empty heading, and has no WCAG 2.1 A/AA violation (axe-core)."""

import pytest
from sqlalchemy import update

from mailer import db
from mailer.bounces import classify
from mailer.bounces.process import record
from mailer.console.models import StaffMember
from mailer.render import render_file
from tests.console.test_access import ROOT, sign_in
from tests.sending.conftest import add_subscribers
from tests.support.browser import axe_violations
from workers import campaigns

PAGES = ["/console/", "/console/issues/091.yaml", "/console/issues/091.yaml/launch",
         "/console/campaigns", "/console/campaigns/1", "/console/subscribers",
         "/console/subscribers/1", "/console/bounces", "/console/bounces/1", "/console/audit",
         "/console/staff", "/console/account", "/console/issues/092.yaml/edit",
         "/console/issues/092.yaml/versions", "/console/issues/new?start=copy"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_console_page(console, page, language):
    url = console.env["INFOLETTRE_DATABASE_URL"]
    add_subscribers(url, 3)
    with db.session_scope(url) as session:
        campaigns.create(session, render_file(ROOT / "issues" / "091.yaml"))
        record(session, "<odd@mx.example>", classify.Finding(classify.UNKNOWN, reason="?"),
               "imap", "Subject: ?\n\n?")
        session.execute(update(StaffMember).values(language=language))
    page.route("http*://www.reseaucitesdesmetiers.example/**", lambda route: route.abort())
    sign_in(page, console, "admin@example.org")
    page.goto(console.url + "/console/")
    glance = page.inner_text("#glance")
    assert ("3 abonné·es" if language == "fr" else "3 subscribers") in glance
    assert ("1 · 091 (N° 91)" if language == "fr" else "1 · 091 (No. 91)") in glance
    for path in PAGES:
        assert page.goto(console.url + path).status == 200, path
        assert page.get_attribute("html", "lang") == language
        assert page.inner_text("h1").strip(), path
        assert axe_violations(page) == [], path
    page.click("header button[type=submit]")  # sign out: the sign-in page
    page.wait_for_url("**/console/login**")
    assert axe_violations(page) == []
