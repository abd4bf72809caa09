"""A staff member corrects a subscriber's name and language at the person's request, in
French and English: the history says it in words, the audit log says who."""

import pytest
from sqlalchemy import select, update

from mailer import db
from mailer.console.models import AuditEntry, StaffMember
from subscribers.models import Subscriber
from tests.console.test_access import sign_in
from tests.sending.conftest import add_subscribers
from tests.support.browser import axe_violations

WORDS = {"fr": ("Corriger le nom", "Enregistrer", "nom corrigé", "anglais"),
         "en": ("Correct the name", "Save", "name corrected", "English")}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_correct_a_subscribers_name_and_language(console, page, language):
    url = console.env["INFOLETTRE_DATABASE_URL"]
    add_subscribers(url, 1)  # reader00000, in English
    with db.session_scope(url) as session:
        session.execute(update(StaffMember).values(language=language))
    summary, save, renamed, before = WORDS[language]
    sign_in(page, console, "admin@example.org")
    page.goto(console.url + "/console/subscribers/1")
    page.click(f"text={summary}")
    page.fill("#edit-name", "Léa Dupont")
    page.select_option("#edit-language", "fr")
    page.click(f"#edit button:has-text('{save}')")
    events = page.inner_text("#events")
    assert renamed in events and before in events
    assert axe_violations(page) == []
    with db.session_scope(url) as session:
        person = session.get(Subscriber, 1)
        assert (person.name, person.language) == ("Léa Dupont", "fr")
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "subscriber edited")).one()
        assert entry.staff_email == "admin@example.org"
        assert entry.detail["fields"] == ["name", "language"]

    page.click("text=" + ("Se déconnecter" if language == "fr" else "Sign out"))
    sign_in(page, console, "editor@example.org")  # an editor sees, cannot change
    page.goto(console.url + "/console/subscribers/1")
    assert page.locator("#edit").count() == 0
