"""Claims and records by group (workers.ledger), on SQLite and PostgreSQL: a claim holds
only queued rows, a failure in the middle of a group leaves only the delivery in flight
in `sending`, and on PostgreSQL only the records skip waiting for the disk."""

import time
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from mailer import db
from mailer.settings import get_settings
from tests.sending.conftest import add_subscribers
from tests.sending.test_send_batch import planned
from workers import batch, sending
from workers.ledger import GROUP, Ledger
from workers.models import Delivery, DeliveryState


def rows(url, campaign_id):
    with db.session_scope(url) as session:
        return {row.id: row for row in session.execute(
            select(Delivery.id, Delivery.state, Delivery.attempts, Delivery.reply)
            .where(Delivery.campaign_id == campaign_id).order_by(Delivery.id))}


@contextmanager
def ledger_of(url):
    """A Ledger on a connection to `url`, closed after."""
    with db.get_engine(url).connect() as conn:
        ledger = Ledger(conn)
        try:
            yield ledger
        finally:
            ledger.close()


def test_a_claim_holds_queued_rows_once_and_a_release_gives_the_attempt_back(
        send_env, example_editions):
    add_subscribers(send_env, 5)
    campaign, _ = planned(send_env, example_editions)
    ids = list(rows(send_env, campaign.id))
    with ledger_of(send_env) as ledger:
        assert ledger.claim(ids[:3]) == set(ids[:3])
        assert ledger.claim(ids) == set(ids[3:])  # another worker's claim: not again
        assert ledger.claim(ids) == set()
        ledger.record([(ids[0], DeliveryState.SENT, "250 ok"),
                       (ids[1], DeliveryState.FAILED, "550 no"),
                       (ids[4], DeliveryState.UNKNOWN, None)], release=ids[2:4],
                      reason="421 going away")
    after = rows(send_env, campaign.id)
    assert [after[i].state for i in ids] == ["sent", "failed", "queued", "queued", "unknown"]
    assert [after[i].attempts for i in ids] == [1, 1, 0, 0, 1]
    assert [after[i].reply for i in ids] == ["250 ok", "550 no", "421 going away",
                                             "421 going away", None]


def test_a_claim_records_the_outcomes_before_it_in_the_same_commit(send_env, example_editions):
    add_subscribers(send_env, 4)
    campaign, _ = planned(send_env, example_editions)
    ids = list(rows(send_env, campaign.id))
    with ledger_of(send_env) as ledger:
        assert ledger.claim(ids[:2]) == set(ids[:2])
        outcomes = [(ids[0], DeliveryState.SENT, "250 ok"),
                    (ids[1], DeliveryState.FAILED, "550 no")]
        assert ledger.claim(ids, outcomes) == set(ids[2:])  # held ones not again
    after = rows(send_env, campaign.id)
    assert [after[i].state for i in ids] == ["sent", "failed", "sending", "sending"]
    assert [after[i].reply for i in ids[:2]] == ["250 ok", "550 no"]
    assert [after[i].attempts for i in ids] == [1, 1, 1, 1]


class Broken(Exception):
    pass


def test_a_failure_mid_group_leaves_only_the_message_in_flight_unsent_for_good(
        send_env, smtp_server, example_editions, monkeypatch):
    smtp_server.pipelining = False  # one message at a time: `send` is called for each
    add_subscribers(send_env, GROUP)
    campaign, batches = planned(send_env, example_editions)
    real = sending.get_sender

    def breaking_sender(settings):
        sender, calls = real(settings), []

        def send(raw, mail_from, rcpt):
            calls.append(rcpt)
            if len(calls) == 3:
                raise Broken("a bug while the message was going out")
            return type(sender).send(sender, raw, mail_from, rcpt)

        sender.send = send
        return sender

    monkeypatch.setattr(sending, "get_sender", breaking_sender)
    with db.get_engine(send_env).connect() as conn, pytest.raises(Broken):
        for low, high in batches:
            sending.send_batch(get_settings(), conn, campaign.id, low, high)
    states = [row.state for row in rows(send_env, campaign.id).values()]
    assert states == ["sent"] * 2 + ["unknown"] + ["queued"] * (GROUP - 3)
    assert len(smtp_server.messages) == 2


def test_on_postgresql_only_records_commit_without_waiting_for_the_disk(postgres_server):
    url = postgres_server.create_database("ledger_commits")
    db.upgrade(url)
    with db.get_engine(url).connect() as conn:
        ledger = Ledger(conn)
        try:
            show = "SHOW synchronous_commit"
            assert ledger.claims.exec_driver_sql(show).scalar() == "on"
            assert ledger.records.exec_driver_sql(show).scalar() == "off"
            assert conn.exec_driver_sql(show).scalar() == "on"
        finally:
            ledger.close()


def test_a_failure_while_pipelining_leaves_nothing_unsent_for_good(
        send_env, smtp_server, example_editions, monkeypatch):
    """A bug while the fifth message is built: the first and second messages' data went
    out, one on each connection, and the third's and fourth's MAIL, RCPT and DATA were
    answered. The replies to the first two are read before the batch stops (they are
    recorded sent); the third and fourth were never handed over (queued again, their
    attempt given back)."""
    monkeypatch.setenv("INFOLETTRE_SMTP_URL", f"{smtp_server.url}?streams=2")
    get_settings.cache_clear()
    add_subscribers(send_env, GROUP)
    campaign, batches = planned(send_env, example_editions)
    real, calls = batch.prepared, []

    def breaking_edition(*args):  # not one recipient's links (those fail alone: Poison)
        calls.append(args)
        if len(calls) == 5:
            raise Broken("a bug while the next message was being built")
        return real(*args)

    monkeypatch.setattr(batch, "prepared", breaking_edition)
    with db.get_engine(send_env).connect() as conn, pytest.raises(Broken):
        for low, high in batches:
            sending.send_batch(get_settings(), conn, campaign.id, low, high)
    after = list(rows(send_env, campaign.id).values())
    assert [row.state for row in after] == ["sent"] * 2 + ["queued"] * (GROUP - 2)
    assert [row.attempts for row in after] == [1] * 2 + [0] * (GROUP - 2)
    time.sleep(0.2)
    assert len(smtp_server.messages) == 2
