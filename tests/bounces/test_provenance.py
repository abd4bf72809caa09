"""Forged and stray reports change nobody (mailer/bounces/provenance.py), one test per
transition, on SQLite and PostgreSQL: VERP (acts at once on its person), SENT (a report
without VERP about an address we mailed in the last bounce_sent_days days: a hard bounce
counts one point, a complaint is held), an authenticated webhook (acts at once), STALE and
NOT SENT (held), SEVERAL (held whole), and a held report's review.

Anyone can write to the bounce address. The worst one message can do: a delivery-status
report (RFC 3464) listing every subscriber as `Action: failed`, `Status: 5.1.1`. It once
bounced all of them; a bounce handler that unsubscribed half of a 40,000-person list after
one bad day is the field's own story (port25-bouncehandler #27). The next worst: one forged
report per person, each naming one address we did mail; without our VERP it never
suppresses at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailer import db, verp
from mailer.bounces import classify, process, provenance, review, undo
from mailer.bounces.finding import Finding, provider_failure
from mailer.bounces.models import BounceEvent
from mailer.db import utcnow
from mailer.settings import get_settings
from subscribers.models import Status, Subscriber
from subscribers.service import is_suppressed
from tests.bounces.sent import said, sent_to
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


def arf(email: str, mail_from: str = f"bounces@{DOMAIN}") -> bytes:
    """A feedback report (RFC 5965, abuse) naming `email`, its copy of our message without
    a Return-Path, its Original-Mail-From `mail_from` (not our VERP unless said)."""
    raw = (CORPUS / "kinds" / "arf-yahoo-style.eml").read_bytes().replace(
        b"maria.lopez@yahoo.example", email.encode())
    return raw.replace(f"Original-Mail-From: <bounces@{DOMAIN}>".encode(),
                       f"Original-Mail-From: <{mail_from}>".encode(), 1)


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
    assert "names 200 addresses" in said(event) and event.raw
    assert set(statuses(database_url).values()) == {Status.SUBSCRIBED}


def test_a_forged_prose_bounce_listing_subscribers_changes_nobody(database_url):
    emails = people(database_url, 5, sent=True)
    [event] = handle(database_url, plain(emails))
    assert event.kind == "held" and "names 5 addresses" in said(event)
    assert set(statuses(database_url).values()) == {Status.SUBSCRIBED}


def test_a_held_report_says_which_addresses_it_names_are_subscribers(database_url):
    # It said "(2 of them subscribers: a, b, c, …)", the first three named, whoever they were.
    first, second = people(database_url, 2, sent=True)
    named = ["x1@stranger.example", first, "x2@stranger.example", "x3@stranger.example",
             second]
    [event] = handle(database_url, dsn(named))
    assert said(event) == (
        "held (hard bounce 5.1.1): names 5 addresses (x1@stranger.example, "
        f"{first}, x2@stranger.example, …); subscribers among them (2): {first}, {second}; "
        "a bounce of a message of ours names one")
    assert set(statuses(database_url).values()) == {Status.SUBSCRIBED}


def test_a_forged_arf_report_for_someone_we_did_not_mail_changes_nobody(database_url):
    [email] = people(database_url, 1)
    [event] = handle(database_url, arf(email))
    assert (event.kind, event.recipient, event.subscriber_id) == ("held", email, None)
    assert said(event).startswith("held (complaint): no message was sent to this address "
                                  "in the last 30 days")
    assert event.notes == [
        {"code": "held_not_sent", "values": {"kind": "complaint", "status": "", "days": 30}},
        {"code": "complaint", "values": {"source": "ARF", "feedback": "abuse"}}]
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
def test_real_reports_count_for_an_address_we_sent_to_and_only_then(database_url, sample):
    # Other senders' reports: no VERP of ours. A hard bounce counts one point; a complaint
    # stays held (a feedback loop of ours returns our VERP in its copy).
    raw = (CORPUS / sample).read_bytes()
    with db.session_scope(database_url) as session:
        [finding] = classify.analyse_all(raw, get_settings().secret)
        session.add(Subscriber(email=finding.recipient, language="fr",
                               status=Status.SUBSCRIBED, confirmed_at=utcnow()))
    [held] = handle(database_url, raw)
    assert held.kind == "held" and set(statuses(database_url).values()) == {Status.SUBSCRIBED}
    sent_to(database_url, finding.recipient)
    [_, event] = handle(database_url, raw.replace(b"Message-ID: <", b"Message-ID: <again.", 1))
    assert statuses(database_url) == {finding.recipient: Status.SUBSCRIBED}
    if finding.kind == "complaint":
        assert event.kind == "held" and "(VERP)" in said(event)
        return
    assert (finding.kind, event.kind) == ("hard", "soft")
    with db.session_scope(database_url) as session:
        [person] = session.query(Subscriber).all()
        assert person.bounce_score == 1.0
        assert person.events[-1].detail["tied_to"].startswith("delivery ")  # explained
        assert person.events[-1].detail["notes"] == [{"code": "as_soft", "values": {}}]


def test_a_hard_bounce_without_verp_counts_one_point(database_url):
    [email] = people(database_url, 1, sent=True)
    [event] = handle(database_url, dsn([email]))
    assert (event.kind, event.cause, event.subscriber_id) == ("soft", "user unknown", 1)
    assert said(event).startswith("counted as a soft bounce: the report did not come back "
                                  "to our signed return path (VERP) · 550 5.1.1")
    assert statuses(database_url) == {email: Status.SUBSCRIBED}
    with db.session_scope(database_url) as session:
        person = session.get(Subscriber, 1)
        assert person.bounce_score == 1.0 and not is_suppressed(session, email)
        assert person.events[-1].detail["reason"] == event.reason[:200]  # their history
        assert person.events[-1].detail["notes"] == event.notes


def test_forged_reports_about_one_send_count_one_point(database_url):
    # The attack: one forged report per person, again and again; all are about our one
    # last send to them, whose point is counted once.
    [email] = people(database_url, 1, sent=True)
    for tag in ("one", "two", "three", "four"):
        handle(database_url, dsn([email], tag=tag))
    with db.session_scope(database_url) as session:
        assert session.get(Subscriber, 1).bounce_score == 1.0
    assert statuses(database_url) == {email: Status.SUBSCRIBED}


def test_hard_bounces_without_verp_from_three_sends_suppress_and_can_be_undone(database_url):
    [email] = people(database_url, 1)
    campaigns = []
    for number, days_ago in enumerate((3, 2, 1)):  # three issues within the window
        campaigns.append(sent_to(database_url, email, days_ago=days_ago))
        handle(database_url, dsn([email], tag=f"issue-{number}"))
        expected = Status.BOUNCED if number == 2 else Status.SUBSCRIBED
        assert statuses(database_url) == {email: expected}
    with db.session_scope(database_url) as session:
        person = session.get(Subscriber, 1)
        assert person.bounce_score == 3.0 and is_suppressed(session, email)
        assert [e.campaign_id for e in person.events if e.kind == "bounced"] == [
            *campaigns, campaigns[-1]]  # one point each, then the suppression
        scope = undo.Scope(campaign_id=campaigns[-1], reason="soft")
        people_back = undo.suppressed(session, scope)
        assert [p.email for p in people_back] == [email]
        assert undo.restore(session, people_back, "staff@example.org", scope) == 1
    assert statuses(database_url) == {email: Status.SUBSCRIBED}
    with db.session_scope(database_url) as session:
        assert not is_suppressed(session, email)


def test_a_complaint_without_verp_is_held_for_an_address_we_sent_to(database_url):
    [email] = people(database_url, 1, sent=True)
    [event] = handle(database_url, arf(email))
    assert (event.kind, event.recipient, event.subscriber_id) == ("held", email, None)
    assert said(event).startswith("held (complaint): its copy of our message does not carry "
                                  "our signed return path (VERP)")
    assert statuses(database_url) == {email: Status.SUBSCRIBED}
    with db.session_scope(database_url) as session:
        review.review(session, session.get(BounceEvent, event.id), "complaint", email,
                      "staff@example.org")  # a person who knows it was theirs
    assert statuses(database_url) == {email: Status.COMPLAINED}


def test_a_hard_bounce_to_our_verp_suppresses_at_once(database_url):
    [email] = people(database_url, 1, sent=True)
    address = verp.encode(get_settings().secret, DOMAIN, 4, 1)
    [event] = handle(database_url, dsn([email], to=address))
    assert (event.kind, event.subscriber_id) == ("hard", 1)
    assert statuses(database_url) == {email: Status.BOUNCED}


def test_a_complaint_about_our_verp_acts_at_once(database_url):
    # Its Original-Mail-From (the copy's envelope sender) is our VERP: the signature is the
    # proof, no delivery row needed. (A copy whose Return-Path is ours: classify's tests.)
    [email] = people(database_url, 1)
    address = verp.encode(get_settings().secret, DOMAIN, 4, 1)
    [event] = handle(database_url, arf(email, mail_from=address))
    assert (event.kind, event.subscriber_id, event.campaign_id) == ("complaint", 1, 4)
    assert statuses(database_url) == {email: Status.COMPLAINED}


@pytest.mark.parametrize("finding, expected", [
    (lambda email: provider_failure(email, "550 5.1.1 User unknown", True), Status.BOUNCED),
    (lambda email: Finding("complaint", email), Status.COMPLAINED)])
def test_an_authenticated_webhooks_report_acts_at_once(database_url, finding, expected):
    # What mailer.bounces.webhooks does once the provider's proof is checked.
    [email] = people(database_url, 1, sent=True)
    with db.session_scope(database_url) as session:
        [found] = provenance.screen(session, [finding(email)], authenticated=True)
        assert found.kind in ("hard", "complaint") and found.detail["tied_to"]
        process.record(session, "postmark:1", found, "postmark", None)
    assert statuses(database_url) == {email: expected}


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
    [event] = handle(database_url, dsn([email]))
    assert event.kind == "soft" and statuses(database_url) == {email: Status.SUBSCRIBED}


def test_the_window_is_a_setting(database_url, monkeypatch):
    [email] = people(database_url, 1)
    sent_to(database_url, email, days_ago=40)
    monkeypatch.setenv("INFOLETTRE_BOUNCE_SENT_DAYS", "60")
    get_settings.cache_clear()
    try:
        [event] = handle(database_url, dsn([email]))
    finally:
        get_settings.cache_clear()
    assert event.kind == "soft" and statuses(database_url) == {email: Status.SUBSCRIBED}


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


def damaged(address: str) -> str:
    """`address` with its MAC's last digit changed: forged, or damaged in transit."""
    local, _, domain = address.partition("@")
    return f"{local[:-1]}{'0' if local[-1] != '0' else '1'}@{domain}"


@pytest.mark.parametrize("forge", [lambda: verp.encode("not-our-secret", DOMAIN, 3, 1),
                                   lambda: damaged(verp.encode(get_settings().secret,
                                                               DOMAIN, 3, 1))],
                         ids=["forged", "damaged"])
def test_a_dsn_to_a_verp_that_is_not_ours_is_held_for_someone_we_did_mail(database_url,
                                                                             forge):
    # Shaped like our VERP but its MAC does not verify: it must not fall back to the
    # address the report names, even for a subscriber mailed yesterday.
    [email] = people(database_url, 1, sent=True)
    [event] = handle(database_url, dsn([email], to=forge()))
    assert (event.kind, event.subscriber_id, event.recipient) == ("held", None, email)
    assert "a VERP address that is not ours" in said(event)
    assert statuses(database_url) == {email: Status.SUBSCRIBED}
    with db.session_scope(database_url) as session:
        assert session.get(Subscriber, 1).bounce_score == 0 and not is_suppressed(session, email)


def test_an_arf_report_whose_copy_has_a_verp_that_is_not_ours_is_held(database_url):
    [email] = people(database_url, 1, sent=True)
    forged = verp.encode("not-our-secret", DOMAIN, 3, 1)
    [event] = handle(database_url, arf(email, mail_from=forged))
    assert (event.kind, event.subscriber_id, event.recipient) == ("held", None, email)
    assert said(event).startswith("held (complaint): a VERP address that is not ours")
    assert statuses(database_url) == {email: Status.SUBSCRIBED}


@pytest.mark.parametrize("report", ["dsn", "arf"])
def test_a_report_to_a_test_sends_verp_changes_nobody(database_url, report):
    # A test send goes out with the VERP of subscriber 0 (nobody). A DSN or ARF report to
    # it naming a subscriber suppressed that subscriber at once: whoever was sent a test
    # holds a signed return path with which to remove anyone from the list.
    [email] = people(database_url, 1, sent=True)
    address = verp.encode(get_settings().secret, DOMAIN, 4, 0)
    raw = dsn([email], to=address) if report == "dsn" else arf(email, mail_from=address)
    [event] = handle(database_url, raw)
    assert event.subscriber_id == 0 and event.campaign_id == 4
    assert statuses(database_url) == {email: Status.SUBSCRIBED}
    with db.session_scope(database_url) as session:
        assert not is_suppressed(session, email)
