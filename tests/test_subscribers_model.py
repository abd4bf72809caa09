"""The subscriber lifecycle on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import select

from mailer import db
from subscribers import links
from subscribers.csv_import import import_csv
from subscribers.models import EventKind, Status, Subscriber, SubscriberEvent
from subscribers.optout import resubscribe, unsubscribe, unsubscribe_by_mailto
from subscribers.service import erase, find_by_email, is_suppressed
from subscribers.signup import Consent, confirm, sign_up
from subscribers.validation import check_applicant

FORM = Consent(source="web:form", text="I agree", ip="192.0.2.7")


def kinds(session, subscriber):
    return [
        event.kind
        for event in session.scalars(
            select(SubscriberEvent).where(SubscriberEvent.subscriber_id == subscriber.id)
        )
    ]


def test_signup_confirm_unsubscribe_resubscribe(database_url):
    with db.session_scope(database_url) as session:
        subscriber_id = sign_up(session, check_applicant("Ana@Example.ORG", "en", "Ana"), FORM)
    with db.session_scope(database_url) as session:
        subscriber = find_by_email(session, "ana@example.org")
        assert subscriber.id == subscriber_id and subscriber.status == Status.PENDING
        assert (subscriber.consent_ip, subscriber.consent_text) == ("192.0.2.7", "I agree")
        assert confirm(session, subscriber_id).status == Status.SUBSCRIBED
        unsubscribe(session, subscriber, source="one-click")
        unsubscribe(session, subscriber, source="one-click")  # a replay changes nothing
        assert resubscribe(session, subscriber, FORM)
        assert kinds(session, subscriber) == [
            EventKind.SIGNED_UP, EventKind.CONFIRMED, EventKind.UNSUBSCRIBED,
            EventKind.RESUBSCRIBED,
        ]


def test_repeated_signup_resends_a_few_times_an_hour(database_url):
    applicant = check_applicant("bo@example.org", "fr", None)
    with db.session_scope(database_url) as session:
        sent = [sign_up(session, applicant, FORM) for _ in range(5)]
    assert sent[:3] == [sent[0]] * 3 and sent[3:] == [None, None]
    with db.session_scope(database_url) as session:
        confirm(session, sent[0])
        assert sign_up(session, applicant, FORM) is None  # subscribed: nothing to send


def test_mailto_unsubscribe(database_url):
    with db.session_scope(database_url) as session:
        subscriber_id = sign_up(session, check_applicant("cy@example.org", "fr", None), FORM)
        key = confirm(session, subscriber_id).link_key
    headers = links.list_unsubscribe_headers(subscriber_id, key, campaign_id=7)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailto = headers["List-Unsubscribe"].split("<mailto:")[1].split("?")[0]
    with db.session_scope(database_url) as session:
        tampered = mailto.replace("unsubscribe+", "unsubscribe+x")
        assert unsubscribe_by_mailto(session, tampered) is None
        assert unsubscribe_by_mailto(session, mailto.replace("@", "@other.")) is None
        assert session.get(Subscriber, subscriber_id).status == Status.SUBSCRIBED
        assert unsubscribe_by_mailto(session, f"<{mailto}>").status == Status.UNSUBSCRIBED
        left = session.scalars(select(SubscriberEvent).filter_by(
            subscriber_id=subscriber_id, kind=EventKind.UNSUBSCRIBED)).one()
        assert (left.campaign_id, left.detail) == (7, {"source": "mailto"})


def test_a_campaign_messages_links_are_the_ones_each_link_function_gives():
    urls, headers = links.campaign_links(41, "k3y-of-subscriber-41", 7)
    assert urls == {"unsubscribe_url": links.unsubscribe_url(41, "k3y-of-subscriber-41", 7),
                    "preferences_url": links.preferences_url(41, "k3y-of-subscriber-41", 7)}
    assert headers == links.list_unsubscribe_headers(41, "k3y-of-subscriber-41", 7)


def test_erase_keeps_a_hash_and_the_anonymous_log(database_url):
    with db.session_scope(database_url) as session:
        subscriber_id = sign_up(session, check_applicant("di@example.org", "en", "Di"), FORM)
    with db.session_scope(database_url) as session:
        assert erase(session, "DI@example.org")
    with db.session_scope(database_url) as session:
        assert session.get(Subscriber, subscriber_id) is None
        assert is_suppressed(session, "di@example.org")
        events = session.scalars(select(SubscriberEvent).order_by(SubscriberEvent.id)).all()
        assert [e.kind for e in events] == [EventKind.SIGNED_UP, EventKind.ERASED]
        assert all(e.subscriber_id is None and e.detail is None for e in events)
        # Suppressed: a new signup sends nothing and creates no row.
        assert sign_up(session, check_applicant("di@example.org", "en", None), FORM) is None
        assert find_by_email(session, "di@example.org") is None


@pytest.mark.parametrize(("signed_up", "erased"), [
    # The erasure request written as the domain travels (an A-label, RFC 5891), in capitals.
    ("lea@bücher.example", "LEA@XN--BCHER-KVA.EXAMPLE"),
    # The address typed on a Mac (NFD: e + U+0301), the list holding it composed (NFC).
    ("zoé@example.org", "zoe\u0301@example.org"),
    ("zoe\u0301@Example.org", "Zoé@example.org"),
])
def test_an_address_written_otherwise_is_the_same_person(database_url, signed_up, erased):
    """Erasure looked the address up as lower-cased text only: the person stayed on the
    list, a hash of the other spelling was suppressed, and the CLI said "not on the list"."""
    with db.session_scope(database_url) as session:
        subscriber_id = sign_up(session, check_applicant(signed_up, "fr", None), FORM)
    with db.session_scope(database_url) as session:
        assert find_by_email(session, erased).id == subscriber_id
        assert erase(session, erased)
    with db.session_scope(database_url) as session:
        assert session.get(Subscriber, subscriber_id) is None
        assert is_suppressed(session, signed_up) and is_suppressed(session, erased)
        assert sign_up(session, check_applicant(erased, "fr", None), FORM) is None


@pytest.fixture
def messy_csv(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "email;language;name;consent_date;consent_source\n"
        "ann@example.org;fr;Ann;2024-03-01;salon Lyon\n"  # line 2
        "not-an-address;fr;;;\n"  # 3
        "bob@example.org;en;Bob;;\n"  # 4: no consent -> pending
        "ANN@example.org;fr;;2024-03-01;\n"  # 5: duplicate in the file
        "cat@example.org;de;;;\n"  # 6: language not offered
        'dan@example.org;en;"Dan\nEvil: header";;\n'  # 7-8: line break in the name
        "eve@example.org;fr;;yesterday;\n",  # 9: bad date
        encoding="utf-8",
    )
    return path


def test_import_reports_bad_rows_and_is_idempotent(database_url, messy_csv):
    factory = partial(db.session_scope, database_url)
    report = import_csv(factory, messy_csv)
    assert (report.subscribed, report.pending, report.unchanged) == (1, 1, 0)
    # The duplicate (line 5) names its first line; it is no longer counted as unchanged.
    assert [problem.line for problem in report.errors] == [3, 5, 6, 7, 9]
    assert report.errors[1].values["first"] == 2
    assert report.errors[-1].field == "consent_date"  # the file's own heading
    again = import_csv(factory, messy_csv)
    assert (again.subscribed, again.pending, again.unchanged) == (0, 0, 2)
    with db.session_scope(database_url) as session:
        ann = find_by_email(session, "ann@example.org")
        assert ann.status == Status.SUBSCRIBED and ann.consent_source == "salon Lyon"
        assert find_by_email(session, "bob@example.org").status == Status.PENDING
        assert len(session.scalars(select(Subscriber)).all()) == 2


@pytest.fixture(autouse=True)
def _settings(tmp_path, monkeypatch):
    """The signed links of these tests use a secret of their own, not the working folder's."""
    from mailer.settings import get_settings

    monkeypatch.setenv("INFOLETTRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INFOLETTRE_SECRET_KEY", "model-tests-secret")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
