"""One report with several failed recipients. We send one message per recipient, so a
report of ours names one: without our VERP address it is held whole for a person and
changes nobody (mailer/bounces/provenance.py); with it, it acts on the VERP's person only.
Read twice, it is recorded once."""

from pathlib import Path

from mailer import db, verp
from mailer.bounces import classify, process
from mailer.bounces.models import BounceEvent
from mailer.db import utcnow
from mailer.settings import get_settings
from subscribers.models import Status, Subscriber
from tests.bounces.sent import said, sent_to

REPORT = Path(__file__).resolve().parents[1] / "data" / "bounces" / "kinds" / \
    "dsn-three-recipients.eml"
PEOPLE = ("ines.moreau@cdm-nantes.example", "yann.leroux@cdm-rennes.example",
          "sofia.rossi@cdm-torino.example")


def _people(url):
    with db.session_scope(url) as session:
        for email in PEOPLE:
            session.add(Subscriber(email=email, language="fr", status=Status.SUBSCRIBED,
                                   confirmed_at=utcnow()))
    for email in PEOPLE:  # even sent to all three: a report of ours names one
        sent_to(url, email)


def test_each_recipient_of_a_report_is_read_on_its_own():
    findings = classify.analyse_all(REPORT.read_bytes(), "any-secret")
    assert [(f.recipient, f.kind, f.cause, f.fault) for f in findings] == [
        (PEOPLE[0], "hard", "user unknown", "recipient"),
        (PEOPLE[1], "soft", "mailbox full", "recipient"),
        (PEOPLE[2], "soft", "policy", "sender")]


def test_a_report_naming_several_subscribers_is_held_whole(database_url):
    _people(database_url)
    for _ in range(2):  # read twice (a poller that died before moving it): once only
        with db.session_scope(database_url) as session:
            process.handle(session, REPORT.read_bytes())
    with db.session_scope(database_url) as session:
        [event] = session.query(BounceEvent).all()
        assert (event.kind, event.recipient, event.subscriber_id) == ("held", None, None)
        assert f"subscribers among them (3): {', '.join(PEOPLE)};" in said(event)
        assert event.raw  # kept whole, for the person who reviews it
        assert [(p.status, p.bounce_score, p.events) for p in session.query(Subscriber)] \
            == [(Status.SUBSCRIBED, 0.0, [])] * 3  # not even a line in their history


def test_with_our_verp_the_report_acts_on_its_person_only(database_url):
    _people(database_url)
    with db.session_scope(database_url) as session:
        yann = session.query(Subscriber).filter_by(email=PEOPLE[1]).one().id
    address = verp.encode(get_settings().secret, "reseaucitesdesmetiers.example", 7, yann)
    raw = REPORT.read_bytes().replace(b"To: bounces@reseaucitesdesmetiers.example",
                                      f"To: {address}".encode(), 1)
    with db.session_scope(database_url) as session:
        event = process.handle(session, raw)
        assert (event.kind, event.subscriber_id, event.campaign_id) == ("hard", yann, 7)
    with db.session_scope(database_url) as session:
        people = {s.email: s.status for s in session.query(Subscriber)}
        assert people == {PEOPLE[0]: Status.SUBSCRIBED, PEOPLE[1]: Status.BOUNCED,
                          PEOPLE[2]: Status.SUBSCRIBED}
