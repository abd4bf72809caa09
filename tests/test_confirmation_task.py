"""The confirmation task against a real SMTP server: the message, retries, refusals."""

from __future__ import annotations

import pytest

from mailer import db
from mailer.settings import get_settings
from subscribers.signup import Consent, sign_up
from subscribers.validation import check_applicant


@pytest.fixture
def configured(tmp_path, sqlite_url, smtp_server, monkeypatch):
    monkeypatch.setenv("INFOLETTRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INFOLETTRE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("INFOLETTRE_SMTP_URL", smtp_server.url)
    monkeypatch.setenv("INFOLETTRE_SECRET_KEY", "task-tests-secret")
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def pending(url, email, language="en", name=None):
    with db.session_scope(url) as session:
        return sign_up(session, check_applicant(email, language, name), Consent("test", "ok"))


def test_message_in_the_subscribers_language(configured, smtp_server):
    from subscribers.tasks import send_confirmation

    subscriber_id = pending(configured, "en@example.org", "en", "Sam")
    assert send_confirmation.apply(args=[subscriber_id]).get() is True
    mail = smtp_server.messages[0]
    assert mail["Subject"] == "Confirm your subscription to the newsletter"
    assert mail["Content-Language"] == "en" and mail["Auto-Submitted"] == "auto-generated"
    plain = mail.get_payload()[0].get_payload(decode=True).decode()
    assert plain.startswith("Hello Sam,") and "/confirm/" in plain


def test_temporary_failures_are_retried(configured, smtp_server):
    from subscribers.tasks import send_confirmation

    smtp_server.temporary_failures = 2
    subscriber_id = pending(configured, "later@example.org")
    send_confirmation.apply(args=[subscriber_id])  # eager: the retries run at once
    assert smtp_server.envelopes[-1][1] == ["later@example.org"]


def test_a_relay_failing_every_try_is_recorded(configured, smtp_server):
    from sqlalchemy import select

    from subscribers.models import SubscriberEvent
    from subscribers.tasks import send_confirmation

    smtp_server.temporary_failures = 100
    subscriber_id = pending(configured, "never@example.org")
    assert send_confirmation.apply(args=[subscriber_id]).get() is False
    with db.session_scope(configured) as session:
        reason = session.scalars(select(SubscriberEvent.detail)
                                 .where(SubscriberEvent.kind == "not_sent")).one()["reply"]
    assert reason.startswith("still failing after 8 tries: 451")


def test_permanent_refusal_is_not_retried(configured, smtp_server):
    from subscribers.tasks import send_confirmation

    smtp_server.reject_rcpt["gone@example.org"] = "550 5.1.1 No such user"
    subscriber_id = pending(configured, "gone@example.org")
    assert send_confirmation.apply(args=[subscriber_id]).get() is False
    assert smtp_server.messages == []


def test_nothing_sent_once_confirmed(configured, smtp_server):
    from subscribers.signup import confirm
    from subscribers.tasks import send_confirmation

    subscriber_id = pending(configured, "done@example.org")
    with db.session_scope(configured) as session:
        confirm(session, subscriber_id)
    assert send_confirmation.apply(args=[subscriber_id]).get() is False


def test_accented_local_part_goes_over_smtputf8(configured, smtp_server):
    """The same path as campaigns: the address as it is, announced with SMTPUTF8."""
    from subscribers.tasks import send_confirmation

    smtp_server.stop()
    smtp_server.smtputf8 = True
    smtp_server.start()
    subscriber_id = pending(configured, "josé@example.org", "fr", "José")
    assert send_confirmation.apply(args=[subscriber_id]).get() is True
    assert smtp_server.envelopes[-1][1] == ["josé@example.org"]
    assert "<josé@example.org>\r\n".encode() in smtp_server.raw[-1]  # UTF-8 (RFC 6532)


def test_idn_domain_goes_as_a_labels(configured, smtp_server):
    from subscribers.tasks import send_confirmation

    subscriber_id = pending(configured, "lea@bücher.example")
    assert send_confirmation.apply(args=[subscriber_id]).get() is True
    assert smtp_server.envelopes[-1][1] == ["lea@xn--bcher-kva.example"]
    assert "lea@xn--bcher-kva.example" in smtp_server.messages[-1]["To"]


def test_accented_local_part_without_smtputf8_is_recorded_not_crashed(configured,
                                                                    smtp_server):
    from sqlalchemy import select

    from subscribers.models import EventKind, SubscriberEvent
    from subscribers.tasks import send_confirmation

    subscriber_id = pending(configured, "josé@example.org")
    assert send_confirmation.apply(args=[subscriber_id]).get() is False
    assert smtp_server.messages == []
    with db.session_scope(configured) as session:
        event = session.scalars(select(SubscriberEvent).where(
            SubscriberEvent.kind == EventKind.NOT_SENT)).one()
        assert "SMTPUTF8" in event.detail["reply"]
