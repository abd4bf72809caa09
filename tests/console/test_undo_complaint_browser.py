"""A complaint undone on the person's page, in a real Chromium: the warning that a real
complaint must never be undone is shown, the box must be ticked, the history and the audit
log say who did it. A report held for lack of a message of ours waits in the bounce list
with its reason."""

from sqlalchemy import select

from mailer import db
from mailer.bounces import classify, policy
from mailer.bounces.process import record
from mailer.console.models import AuditEntry
from subscribers.models import Status, Subscriber
from subscribers.service import is_suppressed
from tests.console.test_access import sign_in
from tests.sending.conftest import add_subscribers
from tests.support.browser import axe_violations


def test_undo_a_complaint_that_was_not_the_persons(console, page):
    url = console.env["INFOLETTRE_DATABASE_URL"]
    [email] = add_subscribers(url, 1)
    with db.session_scope(url) as session:
        policy.apply(session, classify.Finding(classify.COMPLAINT, email,
                                               reason="complaint (ARF, abuse)"))
    sign_in(page, console, "admin@example.org")
    page.goto(console.url + "/console/subscribers/1")
    page.click("text=Annuler cette plainte")
    assert "Une vraie plainte ne doit jamais être annulée" in \
        page.inner_text("#undo-complaint-warning")
    assert axe_violations(page) == []
    page.click("#undo-complaint button")  # not ticked: the browser asks for the box
    with db.session_scope(url) as session:
        assert session.get(Subscriber, 1).status == Status.COMPLAINED
    page.check("#undo-complaint-sure")
    page.click("#undo-complaint button")
    assert page.get_attribute("#status", "data-status") == "subscribed"
    assert page.locator("#undo-complaint").count() == 0
    with db.session_scope(url) as session:
        assert not is_suppressed(session, email)
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "complaints undone")).one()
        assert entry.staff_email == "admin@example.org" and entry.detail["email"] == email


def test_an_editor_cannot_undo_a_complaint(console, page):
    url = console.env["INFOLETTRE_DATABASE_URL"]
    [email] = add_subscribers(url, 1)
    with db.session_scope(url) as session:
        policy.apply(session, classify.Finding(classify.COMPLAINT, email))
    sign_in(page, console, "editor@example.org")
    page.goto(console.url + "/console/subscribers/1")
    assert page.locator("#undo-complaint").count() == 0


def test_a_held_report_waits_in_the_bounce_list_with_its_reason(console, page):
    url = console.env["INFOLETTRE_DATABASE_URL"]
    with db.session_scope(url) as session:
        record(session, "<held@forge>", classify.Finding(
            classify.HELD, "lecteur@cdm-lyon.example", "5.1.1",
            "held (hard 5.1.1): no message was sent to this address in the last 30 days"),
            "imap", "raw")
    sign_in(page, console, "admin@example.org")
    page.click("nav >> text=Rebonds")
    assert "1 message à examiner" in page.inner_text("#waiting-total")
    assert "no message was sent to this address" in page.inner_text("#waiting")
    assert "Retenu" in page.inner_text("#by-kind")
    page.click("#waiting a")
    assert "Retenu" in page.inner_text("#kind")
    assert page.locator("#verdict-form").count() == 1
    assert axe_violations(page) == []
