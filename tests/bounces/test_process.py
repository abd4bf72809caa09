"""One report with several failed recipients: each recorded once with its own effect, and
the same report read again changes nothing."""

from pathlib import Path

from mailer import db
from mailer.bounces import process
from mailer.bounces.models import BounceEvent
from subscribers.models import EventKind, Status, Subscriber, utcnow

REPORT = Path(__file__).resolve().parents[1] / "data" / "bounces" / "kinds" / \
    "dsn-three-recipients.eml"
PEOPLE = ("ines.moreau@cdm-nantes.example", "yann.leroux@cdm-rennes.example",
          "sofia.rossi@cdm-torino.example")


def test_each_recipient_of_a_report_gets_its_own_effect(database_url):
    with db.session_scope(database_url) as session:
        for email in PEOPLE:
            session.add(Subscriber(email=email, language="fr", status=Status.SUBSCRIBED,
                                   confirmed_at=utcnow()))
    for _ in range(2):  # read twice (a poller that died before moving it): once only
        with db.session_scope(database_url) as session:
            process.handle(session, REPORT.read_bytes())
    with db.session_scope(database_url) as session:
        events = session.query(BounceEvent).order_by(BounceEvent.id).all()
        assert [(e.recipient, e.kind, e.cause, e.fault) for e in events] == [
            (PEOPLE[0], "hard", "user unknown", "recipient"),
            (PEOPLE[1], "soft", "mailbox full", "recipient"),
            (PEOPLE[2], "soft", "policy", "sender")]
        people = {s.email: s for s in session.query(Subscriber)}
        assert [people[e].status for e in PEOPLE] == [Status.BOUNCED, Status.SUBSCRIBED,
                                                      Status.SUBSCRIBED]
        assert [people[e].bounce_score for e in PEOPLE] == [0.0, 1.0, 0.0]
        assert people[PEOPLE[2]].events[-1].kind == EventKind.REFUSED  # shown, not held
