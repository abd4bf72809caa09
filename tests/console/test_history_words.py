"""A subscriber's history in the member's language: a bounce's details named and valued in
its words, not as stored (`smtp_status`, `class : soft`, `cause : mailbox full`, `1.0`)."""

import re

import pytest

from mailer import db
from mailer.bounces import classify, policy
from mailer.console.access import add_staff
from mailer.console.models import Role
from mailer.settings import get_settings
from tests.sending.conftest import add_subscribers


@pytest.fixture
def app(tmp_path, monkeypatch):
    from mailer.webapp import create_app

    monkeypatch.setenv("INFOLETTRE_HOME", str(tmp_path))
    monkeypatch.setenv("INFOLETTRE_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    get_settings.cache_clear()
    db.upgrade()
    yield create_app()
    get_settings.cache_clear()


@pytest.mark.parametrize(("language", "said", "unsaid"), [
    ("fr", ["code SMTP : 5.2.2", "classe : Rebond temporaire", "cause : boîte pleine",
            "score de rebonds : 1;"], ["smtp_status", "class :", "mailbox full", "1.0"]),
    ("en", ["SMTP code: 5.2.2", "class: Soft bounce", "cause: mailbox full",
            "bounce score: 1;"], ["smtp_status", "soft;", "1.0"]),
])
def test_a_bounce_in_a_persons_history_is_in_the_members_words(app, language, said, unsaid):
    [email] = add_subscribers(get_settings().db_url, 1)
    with db.session_scope() as session:
        add_staff(session, "ed@example.org", "correct horse battery", Role.EDITOR, language)
        finding = classify.from_reply("552 5.2.2 Mailbox full")
        finding.recipient, finding.campaign_id = email, 3
        policy.apply(session, finding)
    client = app.test_client()
    login = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)[1]
    client.post("/console/login", data={"email": "ed@example.org", "csrf_token": token,
                                        "password": "correct horse battery"})
    history = client.get("/console/subscribers/1").get_data(as_text=True)
    row = re.search(r'<table id="events">(.*?)</table>', history, re.S)[1]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).replace("\u202f", " ") \
        .replace("\xa0", " ")
    for words in said:
        assert words in text, (words, text)
    for words in unsaid:
        assert words not in text, (words, text)
