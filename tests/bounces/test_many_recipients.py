"""One report naming many addresses (a DSN, RFC 3464, with thousands of recipient blocks)
costs a few queries, however many it names, on SQLite and PostgreSQL: it once took three
per address and two minutes for 2,000, stalling the bounce poller for everyone. Past
MOST_RECIPIENTS it is held whole before any address is looked up (mailer/bounces/
provenance.py): we send one message per recipient, so it is no report of ours. Its prose
is read for the first MOST_RECIPIENTS addresses only (mailer/bounces/classify.py).

The cost is counted in SQL statements, not seconds: a count does not flake."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from mailer import db, verp
from mailer.bounces import classify, mailbox, process
from mailer.bounces.finding import MOST_RECIPIENTS
from mailer.bounces.models import BounceEvent
from mailer.settings import get_settings
from subscribers.models import Status
from tests.bounces.test_provenance import DOMAIN, dsn, people, plain, statuses


def strangers(count: int) -> list[str]:
    return [f"user{number}@example.org" for number in range(count)]


@contextlib.contextmanager
def statements(url):
    """The SQL statements run on `url`'s engine inside the block (a list, filled)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = db.get_engine(url)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def handled(url, raw: bytes) -> tuple[int, list[BounceEvent]]:
    """How many statements handling `raw` took, and the events then recorded."""
    with statements(url) as seen, db.session_scope(url) as session:
        process.handle(session, raw)
    with db.session_scope(url) as session:
        events = session.query(BounceEvent).order_by(BounceEvent.id).all()
        session.expunge_all()
    return len(seen), events


@pytest.mark.parametrize("subscribers", [0, 200], ids=["strangers", "some-subscribers"])
def test_a_report_naming_2000_addresses_is_one_held_event_in_a_few_queries(database_url,
                                                                            subscribers):
    ours = people(database_url, subscribers, sent=True)
    named = [*ours, *strangers(2000 - subscribers)]
    cost, [held] = handled(database_url, dsn(named, tag="many"))
    assert cost <= 3  # its key, then one INSERT; 2,000 addresses looked up by none
    assert (held.kind, held.recipient, held.subscriber_id, held.status) == (
        "held", None, None, "5.1.1")
    assert held.notes == [{"code": "held_too_many", "values": {
        "kind": "hard", "status": "5.1.1", "count": 2000, "most": MOST_RECIPIENTS,
        "shown": ", ".join(named[:3]) + ", …"}}]
    assert held.raw  # for the person who reviews it
    assert set(statuses(database_url).values()) <= {Status.SUBSCRIBED}


def test_the_cost_does_not_grow_with_the_addresses_named(database_url):
    # Below the bound each address is read, in a fixed number of queries; past it none.
    costs = {}
    for count in (2, 50, MOST_RECIPIENTS, MOST_RECIPIENTS + 1, 2000):
        costs[count], _ = handled(database_url, dsn(strangers(count), tag=f"n{count}"))
    assert costs[2] == costs[50] == costs[MOST_RECIPIENTS] <= 5
    assert costs[MOST_RECIPIENTS + 1] == costs[2000] <= 3


def test_a_report_about_strangers_up_to_the_bound_is_recorded_address_by_address(
        database_url):
    people(database_url, 1)
    named = strangers(MOST_RECIPIENTS)
    _, events = handled(database_url, dsn(named, tag="backscatter"))
    assert [e.recipient for e in events] == named  # in the report's order
    assert [e.key for e in events] == ["<backscatter@forge>", *(
        f"<backscatter@forge>#{number}" for number in range(2, len(named) + 1))]
    assert {(e.kind, e.cause, e.subscriber_id) for e in events} == {
        ("hard", "user unknown", None)}
    assert events[0].raw and not any(e.raw for e in events[1:])  # the report kept once


def test_a_report_read_again_is_recorded_once(database_url):
    raw = dsn(strangers(40), tag="twice")
    _, events = handled(database_url, raw)
    cost, again = handled(database_url, raw)
    assert cost == 1 and [e.id for e in again] == [e.id for e in events]


def test_a_key_another_message_holds_is_not_recorded_twice(database_url):
    # Message-IDs are anyone's to write: "<a@forge>#2" may come first.
    first = dsn(["x@stranger.example"], tag="first")
    handled(database_url, first.replace(b"<first@forge>", b"<a@forge>#2", 1))
    _, events = handled(database_url, dsn(strangers(3), tag="a"))
    assert [(e.key, e.recipient) for e in events] == [
        ("<a@forge>#2", "x@stranger.example"), ("<a@forge>", "user0@example.org"),
        ("<a@forge>#3", "user2@example.org")]


def test_a_message_id_cut_to_the_key_s_length_is_recorded_once(database_url):
    # Each recipient's key is the Message-ID, "#n" after it, cut to 300 characters: for a
    # Message-ID that long, all the same key.
    _, events = handled(database_url, dsn(strangers(3), tag="x" * 320))
    assert [e.recipient for e in events] == ["user0@example.org"]


def test_many_addresses_to_a_verp_that_is_not_ours_are_held_once(database_url):
    # Each would have been held on its own: 2,000 rows waiting for a person.
    ours = people(database_url, 3, sent=True)
    forged = verp.encode("not-our-secret", DOMAIN, 3, 1)
    _, [held] = handled(database_url, dsn([*ours, *strangers(1997)], to=forged))
    assert held.kind == "held" and held.notes[0]["code"] == "held_too_many"
    assert set(statuses(database_url).values()) == {Status.SUBSCRIBED}


def test_our_verp_still_acts_on_its_person_however_many_the_report_names(database_url):
    [email] = people(database_url, 1, sent=True)
    address = verp.encode(get_settings().secret, DOMAIN, 4, 1)
    _, [event] = handled(database_url, dsn([email, *strangers(2000)], to=address))
    assert (event.kind, event.subscriber_id) == ("hard", 1)
    assert statuses(database_url) == {email: Status.BOUNCED}


def prose_dsn(emails: list[str]) -> bytes:
    """A report whose codes say nothing (5.0.0) and whose prose names each address: every
    recipient's own lines were read, in all the prose, for each (minutes for 5,000)."""
    lines = "".join(f"<{e}>: host mx.example said: 550 no mailbox here\r\n" for e in emails)
    blocks = "".join(f"Final-Recipient: rfc822;{e}\r\nAction: failed\r\nStatus: 5.0.0\r\n\r\n"
                     for e in emails)
    return dsn([]).replace(b"Your message could not be delivered.\r\n", lines.encode()
                           ).replace(b"--B--", blocks.encode() + b"--B--")


@pytest.mark.parametrize("report, reader", [(prose_dsn, "lines_about"),
                                            (plain, "context")], ids=["dsn", "prose"])
def test_a_report_s_own_words_are_read_for_the_first_addresses_only(monkeypatch, report,
                                                                     reader):
    calls = []
    read = getattr(mailbox, reader)
    monkeypatch.setattr(mailbox, reader, lambda *a: calls.append(a[1]) or read(*a))
    named = strangers(2000)
    findings = classify.analyse_all(report(named), get_settings().secret)
    assert [f.recipient for f in findings] == named
    assert calls == named[:MOST_RECIPIENTS]
    # The first, which a held report keeps, as before: its own line read.
    assert (findings[0].kind, findings[0].cause) == ("hard", "user unknown")
