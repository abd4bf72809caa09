"""Poison isolation: whatever is wrong with one message fails that delivery alone, with its
reason stored and shown; the batch goes on and the campaign ends. One test per kind."""

import pytest
from sqlalchemy import update

from mailer import db
from mailer.message import PreparedEdition
from tests.sending.conftest import add_subscribers
from tests.sending.test_send_batch import deliveries, run
from workers import campaigns
from workers.models import Campaign, CampaignState, Delivery, DeliveryState


def finished(url, campaign_id) -> str:
    with db.session_scope(url) as session:
        campaign = session.get(Campaign, campaign_id)
        campaigns.finish_if_done(session, campaign)
        return campaign.state


def poisoned(url, editions, smtp_server, address_of_second: str | None = None):
    """Three readers, the second one's message poisoned by the caller; the campaign run."""
    emails = add_subscribers(url, 3)
    if address_of_second:
        with db.session_scope(url) as session:  # a row written before today's checks
            from subscribers.models import Subscriber
            session.execute(update(Subscriber).where(Subscriber.email == emails[1])
                            .values(email=address_of_second))
        emails[1] = address_of_second
    campaign_id = run(url, editions)
    rows = deliveries(url, campaign_id)
    assert rows[emails[0]].state == rows[emails[2]].state == DeliveryState.SENT
    assert rows[emails[1]].state == DeliveryState.FAILED
    assert finished(url, campaign_id) == CampaignState.DONE
    assert len(smtp_server.messages) == 2
    return rows[emails[1]].reply


def test_accented_local_part_without_smtputf8(send_env, smtp_server, example_editions):
    reply = poisoned(send_env, example_editions, smtp_server, "josé@example.org")
    assert "SMTPUTF8" in reply


def test_domain_that_is_not_idna_2008(send_env, smtp_server, example_editions):
    reply = poisoned(send_env, example_editions, smtp_server, "lea@bü_cher.example")
    assert "IDNA 2008" in reply


def test_message_whose_build_raises(send_env, smtp_server, example_editions, monkeypatch):
    assemble = PreparedEdition.assemble

    def breaks_on_the_second(self, recipient, address=None):
        if recipient.email.startswith("reader00001"):
            "\udce9".encode()  # a lone surrogate, as a badly decoded file leaves one
        return assemble(self, recipient, address)

    monkeypatch.setattr(PreparedEdition, "assemble", breaks_on_the_second)
    reply = poisoned(send_env, example_editions, smtp_server)
    assert reply.startswith("message could not be built: UnicodeEncodeError")


def test_dkim_signing_failure(send_env, smtp_server, example_editions, monkeypatch, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from mailer.dkim import DkimSigner
    from mailer.settings import get_settings

    key = tmp_path / "dkim.pem"
    key.write_bytes(ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    monkeypatch.setenv("INFOLETTRE_DKIM_KEY_FILE", str(key))
    get_settings.cache_clear()
    sign = DkimSigner.sign

    def fails_for_the_second(self, message):
        if b"reader00001@" in message:
            raise ValueError("the signing device refused")
        return sign(self, message)

    monkeypatch.setattr(DkimSigner, "sign", fails_for_the_second)
    reply = poisoned(send_env, example_editions, smtp_server)
    assert reply == "DKIM signature failed: ValueError: the signing device refused"


def test_refused_recipient(send_env, smtp_server, example_editions):
    smtp_server.reject_rcpt["reader00001@example.org"] = "550 5.1.1 No such user"
    assert poisoned(send_env, example_editions, smtp_server).startswith("550")


def test_recipient_deferred_until_its_attempts_run_out(send_env, smtp_server,
                                                       example_editions):
    """A server that says "later" forever to one recipient: the others are sent, that row
    fails after MAX_ATTEMPTS, and the campaign ends."""
    from mailer.settings import get_settings
    from workers import sending

    emails = add_subscribers(send_env, 3)
    smtp_server.reject_rcpt[emails[1]] = "452 4.2.2 Mailbox full"
    with db.session_scope(send_env) as session:
        campaign = campaigns.create(session, example_editions)
        session.commit()
        batches = []
        campaigns.plan(session, campaign, lambda low, high: batches.append((low, high)))
    for _ in range(sending.MAX_ATTEMPTS - 1):
        with db.get_engine(send_env).connect() as conn, pytest.raises(sending.Deferred):
            sending.send_batch(get_settings(), conn, campaign.id, *batches[0])
    with db.get_engine(send_env).connect() as conn:
        sending.send_batch(get_settings(), conn, campaign.id, *batches[0])
    rows = deliveries(send_env, campaign.id)
    assert rows[emails[1]].state == DeliveryState.FAILED
    assert rows[emails[1]].reply.startswith("452")
    assert finished(send_env, campaign.id) == CampaignState.DONE
    assert len(smtp_server.messages) == 2
    with db.session_scope(send_env) as session:
        attempts = session.scalar(
            Delivery.__table__.select().with_only_columns(Delivery.attempts)
            .where(Delivery.email == emails[1]))
    assert attempts == sending.MAX_ATTEMPTS


# Rows written before today's checks (an old import, a hand edit, another tool writing to
# the database), each of which once stopped, or could stop, a batch at its own message.
STRANGE_ADDRESSES = {
    "reader00001@example.org\r\nBcc: everyone@example.net": "not an address",
    "reader00003@example.org>, <everyone@example.net": "not an address",
    "reader 00005@example.org": "not an address",
    "reader00007@exa\tmple.org": "not an address",
    "@example.org": "not an address",
}


def test_poison_rows_among_good_ones_fail_alone(send_env, smtp_server, example_editions,
                                                monkeypatch):
    """One batch of 24: strange addresses, a row whose language the campaign was not
    rendered in, a subscriber erased after planning and names that would break a header,
    among good rows. Each poison row fails with its reason; every good row is sent once;
    the campaign ends; no header carries an injected line."""
    from subscribers.models import Subscriber

    emails = add_subscribers(send_env, 24)
    good = set(emails)
    with db.session_scope(send_env) as session:
        for (address, _), number in zip(STRANGE_ADDRESSES.items(), (1, 3, 5, 7, 9),
                                        strict=True):
            session.execute(update(Subscriber).where(Subscriber.email == emails[number])
                            .values(email=address))
            good.discard(emails[number])
        for number, name in ((2, "Jean\r\nBcc: everyone@example.net"), (4, "=?utf-8?b?AA==?="),
                             (6, "\u202eLecteur\u2028 \x7f")):
            session.execute(update(Subscriber).where(Subscriber.email == emails[number])
                            .values(name=name))
    with db.session_scope(send_env) as session:
        campaign = campaigns.create(session, example_editions)
        session.commit()
        batches = []
        campaigns.plan(session, campaign, lambda low, high: batches.append((low, high)))
        campaign_id = campaign.id
        session.execute(update(Delivery).where(Delivery.email == emails[11])
                        .values(language="de"))  # no German edition
        good.discard(emails[11])
    from mailer.settings import get_settings
    from workers import sending

    erased = emails[13]
    skip = sending._skip_unsubscribed

    def erased_meanwhile(conn, *args):  # the erasure lands just after the batch's check
        skip(conn, *args)
        conn.execute(Subscriber.__table__.delete().where(Subscriber.email == erased))
        conn.commit()

    good.discard(erased)
    monkeypatch.setattr(sending, "_skip_unsubscribed", erased_meanwhile)
    with db.get_engine(send_env).connect() as conn:
        for low, high in batches:
            sending.send_batch(get_settings(), conn, campaign_id, low, high)
    assert finished(send_env, campaign_id) == CampaignState.DONE
    rows = deliveries(send_env, campaign_id)
    received = [m["To"] for m in smtp_server.wait_for(len(good))]
    assert sorted(received) == sorted(good)
    assert all(m["Bcc"] is None and m["To"].count("@") == 1 for m in smtp_server.messages)
    assert {rows[a].state for a in good} == {DeliveryState.SENT}
    for address, why in STRANGE_ADDRESSES.items():
        assert rows[address].state == DeliveryState.FAILED and why in rows[address].reply
    assert rows[emails[11]].state == DeliveryState.FAILED
    assert "no edition in the language 'de'" in rows[emails[11]].reply
    assert rows[erased].state == DeliveryState.FAILED
    assert "erased" in rows[erased].reply


def test_links_that_cannot_be_signed(send_env, smtp_server, example_editions, monkeypatch):
    """Signing one reader's links raises (a stand-in: no real input makes itsdangerous or
    the URL building raise today): that delivery fails alone with the reason."""
    from subscribers import links

    campaign_links = links.campaign_links

    def fails_for_the_second(subscriber_id, key, campaign_id):
        if subscriber_id == 2:
            raise ValueError("the signing key is unreadable")
        return campaign_links(subscriber_id, key, campaign_id)

    monkeypatch.setattr(links, "campaign_links", fails_for_the_second)
    reply = poisoned(send_env, example_editions, smtp_server)
    assert reply == "links or headers could not be made: ValueError: the signing key is " \
                    "unreadable"
