"""Forged and stray reports change nobody (mailer/bounces/provenance.py), one test per
transition, on SQLite and PostgreSQL: VERP (acts on its person), SENT (acts on an address
we mailed in the last bounce_sent_days days), STALE and NOT SENT (held), SEVERAL (held
whole), and a held report's review.

Anyone can write to the bounce address. The worst one message can do: a delivery-status
report (RFC 3464) listing every subscriber as `Action: failed`, `Status: 5.1.1`. It once
bounced all of them; a bounce handler that unsubscribed half of a 40,000-person list after
one bad day is the field's own story (port25-bouncehandler #27)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailer import db, verp
from mailer.bounces import classify, process, review
from mailer.bounces.models import BounceEvent
from mailer.settings import get_settings
from subscribers.models import Status, Subscriber, utcnow
from subscribers.service import is_suppressed
from tests.bounces.sent import sent_to
from workers.models import DeliveryState

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bounces"
DOMAIN = "reseaucitesdesmetiers.example"


def people(url, count: int, sent: bool = False) -> list[str]:
    emails = [f"lecteur{n}@cdm-lyon.example" for n in range(count)]
    with db.session_scope(url) as session:
        session.add_all(Subscriber(email=e, language="fr", status=Status.SUBSCRIBED,
                                   confirmed_at=utcnow()) for e in emails)
    for email in emails if sent else ():
        sent_to(url, email)
    return emails


def dsn(emails: list[str], to: str = f"bounces@{DOMAIN}", tag: str = "forged") -> bytes:
    """A delivery-status report (RFC 3464) failing every address of `emails` with 5.1.1."""
    blocks = "".join(f"Final-Recipient: rfc822; {e}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
                     f"Diagnostic-Code: smtp; 550 5.1.1 <{e}>: User unknown\r\n\r\n"
                     for e in emails)
    return (f"From: MAILER-DAEMON@mx.forge.example (Mail Delivery System)\r\nTo: {to}\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <{tag}@forge>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
            'report-type=delivery-status; boundary="B"\r\n\r\n--B\r\n'
            "Content-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n--B\r\n"
            "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.forge.example"
            f"\r\n\r\n{blocks}--B--\r\n").encode()


def plain(emails: list[str]) -> bytes:
    """Exim's prose: "The following addresses failed:", one line per address."""
    lines = "".join(f"  {e}\r\n    550 5.1.1 No such user here\r\n" for e in emails)
    return ("From: Mail Delivery System <Mailer-Daemon@mx.forge.example>\r\n"
            f"To: bounces@{DOMAIN}\r\nSubject: Mail delivery failed: returning message to "
            "sender\r\nMessage-ID: <plain@forge>\r\n\r\nThis message was created "
            "automatically by mail delivery software.\r\n\r\nA message that you sent could "
            "not be delivered to one or more of its\r\nrecipients. This is a permanent error. "
            f"The following addresses failed:\r\n\r\n{lines}").encode()


def arf(email: str) -> bytes:
    """A feedback report (RFC 5965, abuse) naming `email`, with no copy of our message."""
    return (CORPUS / "kinds" / "arf-yahoo-style.eml").read_bytes().replace(
        b"maria.lopez@yahoo.example", email.encode())


def handle(url, raw: bytes) -> list[BounceEvent]:
    with db.session_scope(url) as session:
        process.handle(session, raw)
    with db.session_scope(url) as session:
        events = session.query(BounceEvent).order_by(BounceEvent.id).all()
        session.expunge_all()
        return events


def statuses(url) -> dict[str, str]:
    with db.session_scope(url) as session:
        return {s.email: s.status for s in session.query(Subscriber)}


def test_a_forged_dsn_naming_every_subscriber_changes_nobody(database_url):
    # The worst case: 200 subscribers we did mail yesterday, all "failed" in one report.
    emails = people(database_url, 200, sent=True)
    [event] = handle(database_url, dsn(emails))
    assert event.kind == "held" and event.subscriber_id is None
    assert "names 200 addresses" in event.reason and event.raw
    assert set(statuses(database_url).values()) == {Status.SUBSCRIBED}


def test_a_forged_prose_bounce_listing_subscribers_changes_nobody(database_url):
    emails = people(database_url, 5, sent=True)
    [event] = handle(database_url, plain(emails))
    assert event.kind == "held" and "names 5 addresses" in event.reason
    assert set(statuses(database_url).values()) == {Status.SUBSCRIBED}


def test_a_forged_arf_report_for_someone_we_did_not_mail_changes_nobody(database_url):
    [email] = people(database_url, 1)
    [event] = handle(database_url, arf(email))
    assert (event.kind, event.recipient, event.subscriber_id) == ("held", email, None)
    assert event.reason.startswith("held (complaint): no message was sent to this address "
                                   "in the last 30 days")
    assert statuses(database_url) == {email: Status.SUBSCRIBED}
    with db.session_scope(database_url) as session:
        assert not is_suppressed(session, email)


def test_a_forged_verp_address_changes_nobody(database_url):
    [email] = people(database_url, 1)
    forged = verp.encode("not-our-secret", DOMAIN, 3, 1)
    [event] = handle(database_url, dsn([email], to=forged))
    assert event.kind == "held" and statuses(database_url) == {email: Status.SUBSCRIBED}


@pytest.mark.parametrize("sample", ["postfix-user-unknown.eml", "exim-dsn-no-such-user.eml",
                                    "gmail-nosuchuser.eml", "exchange-o365-rejected.eml",
                                    "kinds/arf-yahoo-style.eml", "kinds/jmrp-microsoft.eml"])
def test_real_reports_act_for_an_address_we_sent_to_and_only_then(database_url, sample):
    raw = (CORPUS / sample).read_bytes()
    with db.session_scope(database_url) as session:
        [finding] = classify.analyse_all(raw, get_settings().secret)
        session.add(Subscriber(email=finding.recipient, language="fr",
                               status=Status.SUBSCRIBED, confirmed_at=utcnow()))
    [held] = handle(database_url, raw)
    assert held.kind == "held" and set(statuses(database_url).values()) == {Status.SUBSCRIBED}
    sent_to(database_url, finding.recipient)
    [_, event] = handle(database_url, raw.replace(b"Message-ID: <", b"Message-ID: <again.", 1))
    expected = Status.COMPLAINED if finding.kind == "complaint" else Status.BOUNCED
    assert event.kind == finding.kind and statuses(database_url) == {
        finding.recipient: expected}
    with db.session_scope(database_url) as session:
        [person] = session.query(Subscriber).all()
        assert person.events[-1].detail["tied_to"].startswith("delivery ")  # explained


def test_the_same_reports_act_for_an_address_we_sent_to(database_url):
    [hard, complaining] = people(database_url, 2, sent=True)
    handle(database_url, dsn([hard]))
    handle(database_url, arf(complaining))
    assert statuses(database_url) == {hard: Status.BOUNCED, complaining: Status.COMPLAINED}


@pytest.mark.parametrize("days_ago, state", [(31, DeliveryState.SENT),
                                             (1, DeliveryState.FAILED),
                                             (1, DeliveryState.QUEUED),
                                             (1, DeliveryState.SKIPPED)])
def test_a_stale_or_unsent_delivery_does_not_count(database_url, days_ago, state):
    [email] = people(database_url, 1)
    sent_to(database_url, email, days_ago=days_ago, state=state)
    [event] = handle(database_url, dsn([email]))
    assert event.kind == "held" and statuses(database_url) == {email: Status.SUBSCRIBED}


def test_a_delivery_left_unknown_by_a_killed_worker_counts(database_url):
    [email] = people(database_url, 1)
    sent_to(database_url, email, days_ago=29, state=DeliveryState.UNKNOWN)
    handle(database_url, dsn([email]))
    assert statuses(database_url) == {email: Status.BOUNCED}


def test_the_window_is_a_setting(database_url, monkeypatch):
    [email] = people(database_url, 1)
    sent_to(database_url, email, days_ago=40)
    monkeypatch.setenv("INFOLETTRE_BOUNCE_SENT_DAYS", "60")
    get_settings.cache_clear()
    try:
        handle(database_url, dsn([email]))
    finally:
        get_settings.cache_clear()
    assert statuses(database_url) == {email: Status.BOUNCED}


def test_our_verp_acts_on_its_person_whatever_address_the_report_names(database_url):
    # A forwarded mailbox: the report names where it forwarded to; our VERP names whom we
    # mailed. No delivery row needed: the VERP's signature is the proof.
    [email] = people(database_url, 1)
    address = verp.encode(get_settings().secret, DOMAIN, 9, 1)
    [event] = handle(database_url, dsn(["new.box@elsewhere.example"], to=address))
    assert (event.kind, event.subscriber_id, event.campaign_id) == ("hard", 1, 9)
    assert statuses(database_url) == {email: Status.BOUNCED}
    with db.session_scope(database_url) as session:
        assert session.get(Subscriber, 1).events[-1].detail["tied_to"] == "VERP"


def test_a_report_about_strangers_is_recorded_as_it_is(database_url):
    # Backscatter of mail forged in our name: nobody of ours, nothing to review.
    people(database_url, 1)
    events = handle(database_url, dsn(["x@stranger.example", "y@stranger.example"]))
    assert [e.kind for e in events] == ["hard", "hard"]


def test_a_held_report_is_reviewed_by_a_person(database_url):
    emails = people(database_url, 3)
    [event] = handle(database_url, dsn(emails))
    with db.session_scope(database_url) as session:
        review.review(session, session.get(BounceEvent, event.id), "hard", emails[1],
                      "staff@example.org")
    assert statuses(database_url) == {emails[0]: Status.SUBSCRIBED,
                                      emails[1]: Status.BOUNCED,
                                      emails[2]: Status.SUBSCRIBED}
    with db.session_scope(database_url) as session, pytest.raises(review.AlreadyReviewed):
        review.review(session, session.get(BounceEvent, event.id), "hard", emails[2], "x")
