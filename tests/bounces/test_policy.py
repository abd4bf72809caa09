"""The bounce policy, one test per transition (mailer/bounces/policy.py), on SQLite and on
PostgreSQL: HARD, COMPLAINT, SOFT (once per campaign, once a day without one), STALE,
THRESHOLD, DELAY, and nothing at all for someone no longer subscribed."""

import datetime as dt

import pytest

from mailer import db
from mailer.bounces import classify, policy
from mailer.db import utcnow
from mailer.settings import get_settings
from subscribers.models import EventKind, Status, Subscriber
from subscribers.service import is_suppressed
from tests.sending.conftest import add_subscribers


@pytest.fixture
def reader(database_url):
    [email] = add_subscribers(database_url, 1)
    return database_url, email


def bounce(url, email, kind, campaign_id=None):
    with db.session_scope(url) as session:
        policy.apply(session, classify.Finding(kind, email, campaign_id=campaign_id))
    with db.session_scope(url) as session:
        person = session.query(Subscriber).filter_by(email=email).one()
        return person.status, person.bounce_score, is_suppressed(session, email)


def test_hard_bounce_suppresses_at_once(reader):
    assert bounce(*reader, classify.HARD, 1) == (Status.BOUNCED, 0.0, True)


def test_complaint_unsubscribes_and_suppresses(reader):
    assert bounce(*reader, classify.COMPLAINT, 1) == (Status.COMPLAINED, 0.0, True)


def test_a_complaint_naming_the_address_in_its_wire_form_finds_the_person(database_url):
    # An ARF report or a DSN without our VERP address names the recipient as it travelled:
    # the domain as an A-label, the case the relay chose. Matched as lower-cased text only,
    # it found nobody and the complainer kept receiving the newsletter.
    with db.session_scope(database_url) as session:
        session.add(Subscriber(email="zoé@bücher.example", language="fr",
                               status=Status.SUBSCRIBED, confirmed_at=utcnow()))
    with db.session_scope(database_url) as session:
        policy.apply(session, classify.Finding(classify.COMPLAINT,
                                               "ZOE\u0301@XN--BCHER-KVA.EXAMPLE"))
    with db.session_scope(database_url) as session:
        person = session.query(Subscriber).filter_by(email="zoé@bücher.example").one()
        assert person.status == Status.COMPLAINED and is_suppressed(session, person.email)


def test_soft_bounce_counts_one_point(reader):
    assert bounce(*reader, classify.SOFT, 1) == (Status.SUBSCRIBED, 1.0, False)


def test_soft_bounces_of_one_campaign_count_once(reader):
    for _ in range(3):  # a report, a retry's report, a late duplicate
        result = bounce(*reader, classify.SOFT, 1)
    assert result == (Status.SUBSCRIBED, 1.0, False)
    assert bounce(*reader, classify.SOFT, 2)[1] == 2.0  # the next issue: a second point


def test_soft_bounces_without_a_campaign_count_once_a_day(reader):
    bounce(*reader, classify.SOFT)
    assert bounce(*reader, classify.SOFT)[1] == 1.0


def test_a_stale_score_starts_again(reader):
    url, email = reader
    bounce(url, email, classify.SOFT, 1)
    bounce(url, email, classify.SOFT, 2)
    with db.session_scope(url) as session:
        person = session.query(Subscriber).filter_by(email=email).one()
        person.last_bounce_at = utcnow() - dt.timedelta(
            days=get_settings().bounce_window_days + 1)
    assert bounce(url, email, classify.SOFT, 3)[1] == 1.0


def test_soft_bounces_of_three_issues_suppress(reader):
    url, email = reader
    assert get_settings().bounce_score_threshold == 3.0
    bounce(url, email, classify.SOFT, 1)
    bounce(url, email, classify.SOFT, 2)
    assert bounce(url, email, classify.SOFT, 3) == (Status.BOUNCED, 3.0, True)


def test_a_delay_notice_counts_nothing(reader):
    url, email = reader
    assert bounce(url, email, classify.DELAY, 1) == (Status.SUBSCRIBED, 0.0, False)
    with db.session_scope(url) as session:
        person = session.query(Subscriber).filter_by(email=email).one()
        assert [event.kind for event in person.events][-1] == EventKind.DELAYED
        assert person.last_bounce_at is None
    assert bounce(url, email, classify.SOFT, 1)[1] == 1.0  # then the failure still counts


def test_nothing_happens_to_someone_no_longer_subscribed(reader):
    url, email = reader
    bounce(url, email, classify.HARD, 1)
    assert bounce(url, email, classify.COMPLAINT, 2) == (Status.BOUNCED, 0.0, True)


def failure(url, email, reply, campaign_id=1):
    """A refusal judged from its words, applied like any finding."""
    finding = classify.from_reply(reply)
    finding.recipient, finding.campaign_id = email, campaign_id
    with db.session_scope(url) as session:
        policy.apply(session, finding)
    with db.session_scope(url) as session:
        person = session.query(Subscriber).filter_by(email=email).one()
        return (person.status, person.bounce_score, is_suppressed(session, email),
                [event.kind for event in person.events][-1])


def test_a_sender_side_refusal_never_counts_against_the_subscriber(reader):
    for reply in ("550 5.7.26 This mail has been blocked because the sender is "
                  "unauthenticated.", "554 5.7.1 <x@example.org>: Relay access denied",
                  "552 5.3.4 Message size exceeds fixed maximum message size",
                  "550 5.7.708 Service unavailable. Access denied, traffic not accepted "
                  "from this IP."):
        assert failure(*reader, reply) == (Status.SUBSCRIBED, 0.0, False, EventKind.REFUSED)


def test_a_full_mailbox_follows_the_soft_score_even_with_a_5xx(reader):
    reply = "552 5.2.2 <x@example.org>: Mailbox full"
    assert failure(*reader, reply)[:3] == (Status.SUBSCRIBED, 1.0, False)


def test_user_unknown_in_words_only_suppresses(reader):
    assert failure(*reader, "User some.one (x@example.org) not listed in Domino Directory")[:3] \
        == (Status.BOUNCED, 0.0, True)
