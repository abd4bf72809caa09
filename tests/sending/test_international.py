"""International addresses on the wire (RFC 5890, RFC 6531), with the field's list
(tests/data/international-addresses.csv): IDN domains as IDNA 2008 A-labels, a non-ASCII
local part over SMTPUTF8 when the relay offers it, else that one delivery fails, clearly."""

import csv
import email.policy
import mailbox
import os
import time
from email import message_from_bytes
from pathlib import Path

import pytest

from mailer import db
from mailer.address import Undeliverable, wire_form
from mailer.db import utcnow
from mailer.settings import get_settings
from subscribers.models import Status, Subscriber
from subscribers.validation import check_email
from tests.sending.test_send_batch import deliveries, run
from workers import campaigns
from workers.models import Campaign, DeliveryState

FIELD = Path(__file__).resolve().parents[1] / "data" / "international-addresses.csv"
ZOE, LEA = "zoé.lefèvre@example.org", "lea@bücher.example"


def add_field_list(url: str) -> list[str]:
    """The field's file, each address checked at the door as signup and import do."""
    with FIELD.open(encoding="utf-8", newline="") as file, db.session_scope(url) as session:
        rows = list(csv.DictReader(file))
        for row in rows:
            session.add(Subscriber(email=check_email(row["email"]), name=row["name"],
                                   language=row["language"], status=Status.SUBSCRIBED,
                                   confirmed_at=utcnow()))
    return [check_email(row["email"]) for row in rows]


def done(url, campaign_id) -> bool:
    with db.session_scope(url) as session:
        campaign = session.get(Campaign, campaign_id)
        return campaigns.finish_if_done(session, campaign) or campaign.state == "done"


def test_wire_form():
    assert wire_form(LEA, utf8=False) == "lea@xn--bcher-kva.example"
    assert wire_form(ZOE, utf8=True) == ZOE
    with pytest.raises(Undeliverable, match="SMTPUTF8"):
        wire_form(ZOE, utf8=False)
    with pytest.raises(Undeliverable, match="IDNA 2008"):
        wire_form("snow@☃.example", utf8=True)  # valid in IDNA 2003, not in 2008


def test_relay_with_smtputf8_gets_everyone(send_env, smtp_server, example_editions):
    smtp_server.smtputf8 = True
    smtp_server.stop()
    smtp_server.start()
    add_field_list(send_env)
    campaign_id = run(send_env, example_editions)
    rows = deliveries(send_env, campaign_id)
    assert {row.state for row in rows.values()} == {DeliveryState.SENT}
    recipients = sorted(rcpt for _, rcpts in smtp_server.envelopes for rcpt in rcpts)
    assert recipients == sorted(["alice@example.org", ZOE, "lea@xn--bcher-kva.example",
                                 "zed@example.org"])
    to = {str(message_from_bytes(m.as_bytes(), policy=email.policy.default)["To"])
          for m in smtp_server.messages}
    assert any(ZOE in value for value in to)
    assert done(send_env, campaign_id)


def test_relay_without_smtputf8_fails_that_one_delivery(send_env, smtp_server,
                                                        example_editions):
    add_field_list(send_env)
    campaign_id = run(send_env, example_editions)
    rows = deliveries(send_env, campaign_id)
    assert rows[ZOE].state == DeliveryState.FAILED
    assert "SMTPUTF8" in rows[ZOE].reply
    others = [rows[address].state for address in rows if address != ZOE]
    assert others == [DeliveryState.SENT] * 3
    assert ("lea@xn--bcher-kva.example" in
            [rcpt for _, rcpts in smtp_server.envelopes for rcpt in rcpts])
    assert done(send_env, campaign_id)


def test_maildir_outbox_keeps_addresses_as_they_are(send_env, monkeypatch, example_editions):
    monkeypatch.setenv("INFOLETTRE_SMTP_URL", "")
    get_settings.cache_clear()
    add_field_list(send_env)
    campaign_id = run(send_env, example_editions)
    assert {r.state for r in deliveries(send_env, campaign_id).values()} == {"sent"}
    outbox = mailbox.Maildir(get_settings().outbox, create=False)
    to = [message_from_bytes(outbox.get_bytes(key), policy=email.policy.default)["To"]
          for key in outbox.iterkeys()]
    assert any(ZOE in str(value) for value in to) and any(LEA in str(v) for v in to)



def test_a_partial_file_a_killed_worker_left_in_the_outbox_tmp_is_cleared_after_36_hours(
        tmp_path):
    from mailer.transport.maildir import MaildirSender

    MaildirSender(tmp_path / "outbox")
    old, fresh = tmp_path / "outbox" / "tmp" / "old.partial", tmp_path / "outbox" / "tmp" / "new"
    old.write_bytes(b"Subject: half")
    fresh.write_bytes(b"Subject: being written")
    two_days_ago = time.time() - 48 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    MaildirSender(tmp_path / "outbox")
    assert not old.exists() and fresh.exists()
