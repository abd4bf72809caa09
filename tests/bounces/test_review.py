"""A person's verdict on an unplaced message: one test per verdict, and no second verdict."""

import pytest

from mailer import db
from mailer.bounces import classify, policy
from mailer.bounces.models import BounceEvent
from mailer.bounces.process import record
from mailer.bounces.review import AlreadyReviewed, review
from subscribers.models import Status, Subscriber
from subscribers.service import is_suppressed
from tests.bounces.sent import said
from tests.sending.conftest import add_subscribers


def _unplaced(url):
    [email] = add_subscribers(url, 1)
    with db.session_scope(url) as session:
        event = record(session, "<odd@mx.example>", classify.Finding(
            classify.UNKNOWN, reason="no recipient found"), "imap", "Subject: ?\n\n?")
        return email, event.id


@pytest.mark.parametrize(("verdict", "status", "score"), [
    (classify.HARD, Status.BOUNCED, 0.0),
    (classify.SOFT, Status.SUBSCRIBED, 1.0),
    (classify.COMPLAINT, Status.COMPLAINED, 0.0),
])
def test_a_verdict_applies_the_bounce_policy(database_url, verdict, status, score):
    email, event_id = _unplaced(database_url)
    with db.session_scope(database_url) as session:
        event = session.get(BounceEvent, event_id)
        review(session, event, verdict, email, "staff@example.org")
    with db.session_scope(database_url) as session:
        subscriber = session.query(Subscriber).filter_by(email=email).one()
        assert (subscriber.status, subscriber.bounce_score) == (status, score)
        assert is_suppressed(session, email) == (status != Status.SUBSCRIBED)
        event = session.get(BounceEvent, event_id)
        assert (event.kind, event.subscriber_id) == (verdict, subscriber.id)
        assert said(event) == "reviewed by staff@example.org · no recipient found"


def test_not_a_bounce_changes_nobody_and_a_second_verdict_is_refused(database_url):
    email, event_id = _unplaced(database_url)
    with db.session_scope(database_url) as session:
        event = session.get(BounceEvent, event_id)
        review(session, event, classify.NOT_BOUNCE, None, "staff@example.org")
    with db.session_scope(database_url) as session:
        assert session.query(Subscriber).filter_by(email=email).one().status == Status.SUBSCRIBED
        with pytest.raises(AlreadyReviewed):
            review(session, session.get(BounceEvent, event_id), classify.HARD, email, "x")


def test_undo_restores_the_bounced_of_a_campaign_only(database_url):
    """Bounces of campaign 1 undone: their subscribers are back, unsuppressed, audited;
    a complaint of the same campaign and a bounce of campaign 2 stay."""
    from mailer.bounces import undo
    from mailer.console.models import AuditEntry

    emails = add_subscribers(database_url, 4)
    with db.session_scope(database_url) as session:
        for email, kind, campaign_id in ((emails[0], classify.HARD, 1),
                                         (emails[1], classify.HARD, 1),
                                         (emails[2], classify.COMPLAINT, 1),
                                         (emails[3], classify.HARD, 2)):
            policy.apply(session, classify.Finding(kind, email, campaign_id=campaign_id))
    with db.session_scope(database_url) as session:
        scope = undo.Scope(campaign_id=1)
        people = undo.suppressed(session, scope)
        assert [p.email for p in people] == emails[:2]
        undo.restore(session, people, "tester", scope)
    with db.session_scope(database_url) as session:
        status = {s.email: s.status for s in session.query(Subscriber)}
        assert [status[e] for e in emails] == [Status.SUBSCRIBED, Status.SUBSCRIBED,
                                               Status.COMPLAINED, Status.BOUNCED]
        assert not is_suppressed(session, emails[0]) and is_suppressed(session, emails[2])
        entry = session.query(AuditEntry).one()
        assert (entry.action, entry.detail["restored"]) == ("bounces undone", 2)
        assert undo.suppressed(session, undo.Scope(campaign_id=1)) == []


def test_undo_by_period_and_reason(database_url):
    """--since keeps older suppressions; --reason only that reason's."""
    import datetime as dt

    from mailer.bounces import undo
    from mailer.db import utcnow
    from subscribers.models import SubscriberEvent

    emails = add_subscribers(database_url, 3)
    with db.session_scope(database_url) as session:
        for email, cause in zip(emails, ("user unknown", "host unknown", "user unknown"),
                                strict=True):
            policy.apply(session, classify.Finding(classify.HARD, email, campaign_id=5,
                                                   cause=cause))
        first = session.query(SubscriberEvent).filter(
            SubscriberEvent.kind == "bounced").order_by(SubscriberEvent.id).first()
        first.at = utcnow() - dt.timedelta(days=10)  # the first one, ten days ago
    with db.session_scope(database_url) as session:
        since = undo.suppressed(session, undo.Scope(since=utcnow() - dt.timedelta(days=1)))
        assert [p.email for p in since] == emails[1:]
        host = undo.suppressed(session, undo.Scope(campaign_id=5, reason="host unknown"))
        assert [p.email for p in host] == [emails[1]]
