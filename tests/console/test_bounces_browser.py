"""Bounces in a real Chromium: the counts of the last days, the messages to review, a
message shown as text (never as markup), a sender's verdict applied once; an editor reads
but cannot decide."""

import requests

from mailer import db
from mailer.bounces import classify
from mailer.bounces.process import record
from subscribers.models import Status, Subscriber
from tests.console.test_access import sign_in
from tests.sending.conftest import add_subscribers
from tests.support.browser import axe_violations

RAW = "From: postmaster@mx.example\nSubject: ?\n\n<script>document.title='pwned'</script> ?\n"


def _events(url):
    [reader] = add_subscribers(url, 1)
    with db.session_scope(url) as session:
        record(session, "<hard@mx.example>", classify.Finding(
            classify.HARD, "gone@mx.example", "5.1.1", "user unknown"), "imap", "raw")
        event = record(session, "<odd@mx.example>", classify.Finding(
            classify.UNKNOWN, reason="no recipient found"), "imap", RAW)
    return reader, event.id


def test_review_a_message_nobody_could_place(console, page):
    url = console.env["INFOLETTRE_DATABASE_URL"]
    reader, event_id = _events(url)
    sign_in(page, console, "editor@example.org")
    page.click("nav >> text=Rebonds")
    assert "1 message à examiner" in page.inner_text("#waiting-total")
    assert "mx.example" in page.inner_text("#domains")
    assert axe_violations(page) == []
    page.click("#waiting a")
    assert "<script>" in page.inner_text("#raw") and page.title() != "pwned"
    assert page.locator("#verdict-form").count() == 0  # an editor reads, a sender decides
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert requests.post(f"{console.url}/console/bounces/{event_id}", cookies=cookies,
                         data={"verdict": "hard"}, timeout=10).status_code in (400, 403)
    page.click("text=Se déconnecter")

    sign_in(page, console, "admin@example.org")
    page.goto(f"{console.url}/console/bounces/{event_id}")
    assert axe_violations(page) == []
    page.click("#verdict-hard + label")
    page.fill("#recipient", "not an address")
    page.eval_on_selector("#verdict-form", "form => form.noValidate = true")
    page.click("#verdict-form button")
    assert page.locator("[aria-invalid=true]").count() == 1  # the address, refused
    page.fill("#recipient", reader)
    page.click("#verdict-hard + label")
    page.click("#verdict-form button")
    assert "0 message à examiner" in page.inner_text("#waiting-total")
    with db.session_scope(url) as session:
        assert session.query(Subscriber).filter_by(email=reader).one().status == Status.BOUNCED
    page.goto(f"{console.url}/console/bounces/{event_id}")
    assert page.inner_text("#kind") == "Rebond définitif"
    assert page.locator("#verdict-form").count() == 0  # decided once
    page.click("nav >> text=Journal des actions")
    assert "rebond examiné — rebond\u00a0: " in page.inner_text("main")


def test_a_windows_1252_report_reads_right_on_its_page(console, page):
    from mailer.bounces import process
    from tests.bounces.test_raw_copy import FRENCH, GERMAN, report

    url = console.env["INFOLETTRE_DATABASE_URL"]
    with db.session_scope(url) as session:
        event_id = process.handle(session, report(FRENCH.encode(), GERMAN.encode("cp1252"),
                                                  "utf-8")).id
    sign_in(page, console, "editor@example.org")
    page.goto(f"{console.url}/console/bounces/{event_id}")
    raw = page.inner_text("#raw")
    assert FRENCH in raw and GERMAN in raw and "\ufffd" not in raw
