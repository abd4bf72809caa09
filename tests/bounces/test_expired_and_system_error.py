"""Expired deliveries and remote system errors, one test per transition, through the real
path (a report read by mailer.bounces.process, or the relay's refusal during a send), on
SQLite and on PostgreSQL. The decision (mailer/bounces/reasons.py): an expiry is the
recipient's soft bounce (one point per campaign, suppression only by the score), unless a
whole domain expired in one campaign (the path's); a system error is the path's and never
counts against the subscriber. Neither suppresses anybody on its own."""

import pytest
from sqlalchemy import select

from mailer import db, verp
from mailer.bounces import counts, process
from mailer.bounces.breaker import record_refusal
from mailer.bounces.classify import from_reply
from mailer.bounces.models import BounceEvent
from mailer.db import utcnow
from mailer.settings import get_settings
from subscribers.models import EventKind, Status, Subscriber

DOMAIN = "cdm-quimper.example"


def dsn(recipient: str, campaign_id: int, subscriber_id: int, status: str, action: str,
        diagnostic: str, number: int) -> bytes:
    """An RFC 3464 report to our VERP address, about one recipient."""
    settings = get_settings()
    to = verp.encode(settings.secret, settings.bounce_domain, campaign_id, subscriber_id)
    return f"""\
From: MAILER-DAEMON@mx.relais.example (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Message-ID: <report-{number}-{campaign_id}-{subscriber_id}@mx.relais.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered for 5 days.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.relais.example

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: {diagnostic}
--B--
""".replace("\n", "\r\n").encode()


@pytest.fixture
def readers(database_url):
    ids = {}
    with db.session_scope(database_url) as session:
        for number in range(8):
            person = Subscriber(email=f"lecteur{number}@{DOMAIN}", language="fr",
                                status=Status.SUBSCRIBED, confirmed_at=utcnow())
            session.add(person)
            session.flush()
            ids[person.email] = person.id
    return database_url, ids


def report(url, email, ids, campaign_id, status="5.4.7", action="failed",
           diagnostic="X-Postfix; delivery time expired", number=0):
    with db.session_scope(url) as session:
        process.handle(session, dsn(email, campaign_id, ids[email], status, action,
                                    diagnostic, number))
    with db.session_scope(url) as session:
        person = session.scalar(select(Subscriber).where(Subscriber.email == email))
        event = session.scalar(select(BounceEvent).where(BounceEvent.recipient == email)
                               .order_by(BounceEvent.id.desc()).limit(1))
        return (person.status, person.bounce_score, person.events[-1].kind,
                (event.kind, event.cause, event.fault))


FIRST = "lecteur0@" + DOMAIN


@pytest.mark.parametrize(("status", "diagnostic"), [
    ("5.4.7", "X-Postfix; delivery time expired"),
    ("4.4.7", "smtp; 451 4.4.7 retry timeout exceeded"),
    ("4.4.1", "X-Postfix; connect to mx.cdm-quimper.example[192.0.2.7]:25: Connection "
              "timed out"),  # Postfix's last word after five days of trying
])
def test_an_expired_delivery_is_one_soft_point(readers, status, diagnostic):
    url, ids = readers
    assert report(url, FIRST, ids, 1, status, diagnostic=diagnostic) == (
        Status.SUBSCRIBED, 1.0, EventKind.BOUNCED, ("soft", "expired", "recipient"))


def test_expiries_of_one_campaign_count_once(readers):
    url, ids = readers
    for number in range(3):  # the report, a second relay's, a late duplicate
        result = report(url, FIRST, ids, 1, number=number)
    assert result[:2] == (Status.SUBSCRIBED, 1.0)


def test_expiries_of_three_issues_suppress_by_the_score_only(readers):
    url, ids = readers
    assert report(url, FIRST, ids, 1)[:2] == (Status.SUBSCRIBED, 1.0)
    assert report(url, FIRST, ids, 2)[:2] == (Status.SUBSCRIBED, 2.0)
    assert report(url, FIRST, ids, 3)[:2] == (Status.BOUNCED, 3.0)


def test_a_whole_domain_expiring_in_one_campaign_is_the_paths(readers):
    url, ids = readers
    limit = get_settings().bounce_domain_outage
    people = sorted(ids)[:limit + 2]
    results = [report(url, email, ids, 1) for email in people]
    assert [score for _, score, _, _ in results[:limit - 1]] == [1.0] * (limit - 1)
    for status, score, kind, event in results[limit - 1:]:
        assert (status, score, kind, event) == (
            Status.SUBSCRIBED, 0.0, EventKind.REFUSED, ("soft", "expired", "path"))
    with db.session_scope(url) as session:
        assert (DOMAIN, "expired", 3) in counts.sender_side(session, 1)


def test_a_delayed_expiry_warning_counts_nothing(readers):
    url, ids = readers
    assert report(url, FIRST, ids, 1, "4.4.7", action="delayed") == (
        Status.SUBSCRIBED, 0.0, EventKind.DELAYED, ("delay", "expired", "recipient"))


@pytest.mark.parametrize(("status", "diagnostic"), [
    ("5.3.0", "smtp; 554 5.3.0 Local configuration error"),
    ("5.4.6", "smtp; 554 5.4.6 Hop count exceeded - possible mail loop"),
    ("5.0.0", "smtp; 550 Internal server error, please try again"),
    ("4.3.0", "smtp; 451 4.3.0 Temporary local problem - please try later"),
])
def test_a_remote_system_error_never_counts_against_the_subscriber(readers, status,
                                                                   diagnostic):
    url, ids = readers
    for campaign_id in (1, 2, 3, 4):  # issue after issue: still nothing
        result = report(url, FIRST, ids, campaign_id, status, diagnostic=diagnostic)
    assert result[:3] == (Status.SUBSCRIBED, 0.0, EventKind.REFUSED)
    assert result[3][1:] == ("system error", "path")


@pytest.fixture
def sending_to(readers, monkeypatch):
    """The settings of a send: its refusals are recorded in the readers' database."""
    monkeypatch.setenv("INFOLETTRE_DATABASE_URL", readers[0])
    get_settings.cache_clear()
    yield readers
    get_settings.cache_clear()


def test_the_relays_own_system_error_during_a_send_counts_nothing(sending_to):
    url, ids = sending_to
    for campaign_id in (1, 2, 3, 4):
        finding = from_reply("554 5.3.0 Internal server error: queue file write error")
        finding.recipient, finding.campaign_id = FIRST, campaign_id
        finding.subscriber_id = ids[FIRST]
        record_refusal(campaign_id, finding)
    with db.session_scope(url) as session:
        person = session.get(Subscriber, ids[FIRST])
        assert (person.status, person.bounce_score) == (Status.SUBSCRIBED, 0.0)
        assert {e.fault for e in session.scalars(select(BounceEvent))} == {"path"}
