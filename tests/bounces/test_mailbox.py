"""The bounce mailbox on a real Dovecot: each message handled once, moved, never lost."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mailer import db, verp
from mailer.bounces.imap import PROCESSED, REVIEW, poll
from mailer.bounces.models import BounceEvent
from mailer.db import utcnow
from mailer.settings import get_settings
from subscribers import links
from subscribers.models import Status, Subscriber
from tests.bounces.sent import sent_to
from tests.support.webapp import infolettre_env

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bounces"


@pytest.fixture
def mailbox_env(monkeypatch, tmp_path, imap_server, database_url):
    monkeypatch.setenv("INFOLETTRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INFOLETTRE_DATABASE_URL", database_url)
    monkeypatch.setenv("INFOLETTRE_SECRET_KEY", "mailbox-tests-secret")
    monkeypatch.setenv("INFOLETTRE_BOUNCE_IMAP_URL", imap_server.url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def subscriber(url, email, sent=True):
    """A subscriber, and (`sent`) a message we sent them yesterday: the reports below have
    no VERP address, so only that delivery lets them count (mailer.bounces.provenance)."""
    with db.session_scope(url) as session:
        person = Subscriber(email=email, language="fr", status=Status.SUBSCRIBED,
                            confirmed_at=utcnow())
        session.add(person)
        session.flush()
        number = person.id
    if sent:
        sent_to(url, email)
    return number


def status_of(url, subscriber_id):
    with db.session_scope(url) as session:
        return session.get(Subscriber, subscriber_id).status


def test_poll_applies_each_message_once_and_moves_it(mailbox_env, imap_server):
    url = mailbox_env
    hard = subscriber(url, "jean.dupont@example.fr")
    verp_target = subscriber(url, "verp.reader@example.org", sent=False)
    leaving = subscriber(url, "leaving@example.org", sent=False)
    complaining = subscriber(url, "annoyed.reader@example.net")
    imap_server.append((CORPUS / "postfix-user-unknown.eml").read_bytes())
    imap_server.append((CORPUS / "arf-complaint.eml").read_bytes())
    imap_server.append((CORPUS / "ooo-outlook-en.eml").read_bytes())
    address = verp.encode(get_settings().secret, get_settings().bounce_domain, 3, verp_target)
    imap_server.append((CORPUS / "qmail-no-mailbox.eml").read_bytes().replace(
        b"To: bounces@reseaucitesdesmetiers.example", f"To: {address}".encode(), 1))
    with db.session_scope(url) as session:
        mailto = links.unsubscribe_mailto(leaving, session.get(Subscriber, leaving).link_key)
    imap_server.append(f"From: leaving@example.org\r\nTo: {mailto}\r\nSubject: unsubscribe\r\n"
                       f"Message-ID: <bye@example.org>\r\n\r\nunsubscribe\r\n".encode())
    imap_server.append(b"From: someone@example.org\r\nSubject: hello\r\n"
                       b"Message-ID: <hello@example.org>\r\n\r\nJust saying hello.\r\n")

    counts = poll(imap_server.url)
    # Without our VERP, a hard bounce counts one point and a complaint waits for a person
    # (mailer.bounces.provenance); with it, the qmail bounce suppresses at once.
    assert counts == {"hard": 1, "soft": 1, "held": 1, "not_bounce": 1, "unsubscribe": 1,
                      "unknown": 1}
    assert status_of(url, hard) == Status.SUBSCRIBED
    assert status_of(url, verp_target) == Status.BOUNCED
    assert status_of(url, complaining) == Status.SUBSCRIBED
    assert status_of(url, leaving) == Status.UNSUBSCRIBED
    assert imap_server.count("INBOX") == 0
    assert imap_server.count(PROCESSED) == 4 and imap_server.count(REVIEW) == 2
    with db.session_scope(url) as session:
        event = session.scalar(select(BounceEvent).where(BounceEvent.subscriber_id == verp_target))
        assert event.campaign_id == 3
    assert poll(imap_server.url) == {}  # nothing left, nothing done twice


def test_soft_bounces_count_once_a_send_and_suppress_at_the_threshold(mailbox_env, imap_server,
                                                                    monkeypatch):
    # No VERP here: the point is the campaign's of our last delivery to the address.
    url = mailbox_env
    person = subscriber(url, "marie@example.be")
    raw = (CORPUS / "postfix-mailbox-full.eml").read_bytes()

    def bounce(tag: str) -> None:
        imap_server.append(raw.replace(b"Message-ID: <", f"Message-ID: <{tag}".encode(), 1))
        poll(imap_server.url)

    def days_ago(days: int) -> None:
        with db.session_scope(url) as session:
            moved = session.get(Subscriber, person)
            moved.last_bounce_at = utcnow() - dt.timedelta(days=days)

    for number in range(3):  # three soft bounces the same day: one point
        bounce(f"same-day-{number}")
    with db.session_scope(url) as session:
        assert session.get(Subscriber, person).bounce_score == 1.0
    monkeypatch.setenv("INFOLETTRE_BOUNCE_SCORE_THRESHOLD", "2")
    get_settings.cache_clear()
    days_ago(200)  # stale (older than bounce_window_days): the score starts again
    sent_to(url, "marie@example.be", days_ago=0.5)
    bounce("stale")
    with db.session_scope(url) as session:
        assert session.get(Subscriber, person).bounce_score == 1.0
    days_ago(1)  # the next day, about the same send: no second point
    bounce("next-day")
    with db.session_scope(url) as session:
        assert session.get(Subscriber, person).bounce_score == 1.0
    assert status_of(url, person) == Status.SUBSCRIBED
    sent_to(url, "marie@example.be", days_ago=0.25)  # the next send: a second point
    bounce("next-send")
    assert status_of(url, person) == Status.BOUNCED


def test_8bit_and_xtext_reports_find_their_person_in_readable_words(mailbox_env,
                                                                  imap_server):
    # Raw UTF-8 (RFC 6533), raw Windows-1252 and an xtext Original-Recipient (RFC 3461),
    # through a real IMAP server: no byte stops the poll, no word turns into U+FFFD.
    url = mailbox_env
    people = {email: subscriber(url, email) for email in (
        "léa.müller@cdm-zürich.example", "juergen.schaefer@cdm-koeln.example",
        "jean+news@cdm-lyon.example")}
    for sample in ("dsn-global-utf8-diagnostic.eml", "dsn-8bit-cp1252-diagnostic.eml",
                   "dsn-sendmail-orcpt-xtext.eml"):
        imap_server.append((CORPUS / "kinds" / sample).read_bytes())
    assert poll(imap_server.url) == {"soft": 3}  # no VERP: a point each, nobody suppressed
    with db.session_scope(url) as session:
        words = {event.subscriber_id: event.reason for event in session.scalars(
            select(BounceEvent))}
    assert set(words) == set(people.values())
    assert words[people["léa.müller@cdm-zürich.example"]].endswith(
        "boîte aux lettres pleine, quota dépassé")
    assert words[people["juergen.schaefer@cdm-koeln.example"]].endswith(
        "Empfänger unbekannt – Postfach für »juergen.schaefer« existiert nicht")
    assert not any("\ufffd" in reason for reason in words.values())


def test_killed_poller_processes_nothing_twice_and_skips_nothing(tmp_path, imap_server):
    home = tmp_path / "home"
    env = infolettre_env(home, bounce_imap_url=imap_server.url)
    url = env["INFOLETTRE_DATABASE_URL"]
    home.mkdir()
    db.upgrade(url)
    raw = (CORPUS / "gmail-nosuchuser.eml").read_bytes()
    total = 150
    imap = imap_server.client()
    for number in range(total):
        imap.append("INBOX", None, None,
                    raw.replace(b"Message-ID: <", f"Message-ID: <{number}-".encode(), 1))
    imap.logout()

    def events():
        with db.session_scope(url) as session:
            return session.scalar(select(func.count()).select_from(BounceEvent))

    poller = subprocess.Popen([sys.executable, "-m", "mailer", "bounces", "poll"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while events() < 20 and time.monotonic() < deadline and poller.poll() is None:
        time.sleep(0.02)
    poller.kill()
    poller.wait()
    assert 0 < events() < total
    again = subprocess.run([sys.executable, "-m", "mailer", "bounces", "poll"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert events() == total  # each message handled once
    assert imap_server.count("INBOX") == 0
    # A MOVE cut by the kill can leave the copy made and the original not yet expunged:
    # the original is moved again, so "processed" may hold one message twice.
    assert total <= imap_server.count(PROCESSED) <= total + 1


def test_report_counts_by_class_campaign_and_domain(mailbox_env, imap_server):
    url = mailbox_env
    target = subscriber(url, "verp.reader@example.org", sent=False)
    address = verp.encode(get_settings().secret, get_settings().bounce_domain, 7, target)
    imap_server.append((CORPUS / "gmail-nosuchuser.eml").read_bytes().replace(
        b"To: bounces@reseaucitesdesmetiers.example", f"To: {address}".encode(), 1))
    imap_server.append((CORPUS / "postfix-mailbox-full.eml").read_bytes())
    imap_server.append(b"Subject: ?\r\nMessage-ID: <puzzle@example.org>\r\n\r\n?\r\n")
    poll(imap_server.url)
    env = {**os.environ, "INFOLETTRE_DATABASE_URL": url}
    result = subprocess.run([sys.executable, "-m", "mailer", "bounces", "report"], env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # What changed on the list first (the VERP reader suppressed), then what came back.
    assert out.startswith("changed on the list:\n  suppressed after a hard bounce "), out
    assert "\n3 messages received: what they reported, not what changed on the list\n" in out
    assert "needs review (1," in out and "<puzzle@example.org>" in out
    assert "hard 5.1.1" in out and "soft 5.2.2" in out
    assert "campaign 7 hard" in out
    assert "gmail.com hard" in out and "example.be soft" in out
    since = subprocess.run([sys.executable, "-m", "mailer", "bounces", "report", "--since",
                            "2999-01-01"], env=env, capture_output=True, text=True, timeout=60)
    assert since.stdout.startswith("changed on the list since 2999-01-01: nobody\n"
                                   "0 messages received since 2999-01-01")


def test_poll_without_a_mailbox_is_a_clear_error(tmp_path):
    env = infolettre_env(tmp_path)
    result = subprocess.run([sys.executable, "-m", "mailer", "bounces", "poll"], env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("INFOLETTRE_BOUNCE_IMAP_URL is not set")


def test_poll_over_imaps(tmp_path, monkeypatch, sqlite_url):
    from tests.support.servers import DovecotServer

    server = DovecotServer(tls=True)
    server.start()
    try:
        monkeypatch.setenv("INFOLETTRE_DATABASE_URL", sqlite_url)
        monkeypatch.setenv("INFOLETTRE_SECRET_KEY", "imaps-secret")
        get_settings.cache_clear()
        server.append((CORPUS / "postfix-user-unknown.eml").read_bytes())
        assert poll(server.url) == {"hard": 1}
        assert server.count(PROCESSED) == 1
    finally:
        server.close()
        get_settings.cache_clear()
