"""Sending a campaign against a real SMTP server on 127.0.0.1, in-process (no broker)."""

import email.policy
from email import message_from_bytes

import pytest
from sqlalchemy import select

from mailer import db, verp
from mailer.settings import get_settings
from subscribers.models import Status, Subscriber
from subscribers.service import is_suppressed
from tests.sending.conftest import add_subscribers
from workers import campaigns, sending
from workers.models import Campaign, CampaignState, Delivery, DeliveryState


def run(url, editions, test_to=None):
    """Plan and send a whole campaign in this process; returns its id."""
    batches = []
    with db.session_scope(url) as session:
        campaign = campaigns.create(session, editions, test_to)
        session.commit()
        if not campaign.planned:
            campaigns.plan(session, campaign, lambda low, high: batches.append((low, high)))
        else:
            batches = list(campaigns.pending_batches(session, campaign.id))
        campaign_id = campaign.id
    with db.get_engine(url).connect() as conn:
        for low, high in batches:
            sending.send_batch(get_settings(), conn, campaign_id, low, high)
    return campaign_id


def planned(url, editions):
    """A campaign created and planned, not sent: (campaign, its batches)."""
    batches = []
    with db.session_scope(url) as session:
        campaign = campaigns.create(session, editions)
        session.commit()
        campaigns.plan(session, campaign, lambda low, high: batches.append((low, high)))
    return campaign, batches


def deliveries(url, campaign_id):
    with db.session_scope(url) as session:
        rows = session.execute(select(Delivery.email, Delivery.state, Delivery.reply)
                               .where(Delivery.campaign_id == campaign_id)).all()
    return {row.email: row for row in rows}


def test_everyone_gets_one_message_in_their_language(send_env, smtp_server, example_editions):
    emails = add_subscribers(send_env, 30)
    campaign_id = run(send_env, example_editions)
    smtp_server.wait_for(30)
    received = {m["To"].split("<")[-1].rstrip(">"): m for m in smtp_server.messages}
    assert sorted(received) == sorted(emails)
    for number, address in enumerate(emails):
        message = received[address]
        expected = example_editions["fr" if number % 3 else "en"].subject
        assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) \
            == expected
    states = {row.state for row in deliveries(send_env, campaign_id).values()}
    assert states == {DeliveryState.SENT}


def test_message_headers_and_parts(send_env, smtp_server, example_editions):
    add_subscribers(send_env, 1)
    campaign_id = run(send_env, example_editions)
    raw = smtp_server.messages[0].as_bytes()
    message = message_from_bytes(raw, policy=email.policy.default)
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<http://127.0.0.1:8000/unsubscribe/")
    assert "mailto:" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == f"<{get_settings().list_id}>"
    assert message["Message-ID"] and message["Date"] and message["Reply-To"]
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()
    assert html.startswith("<!doctype html>") and "%%" not in html
    assert unsubscribe[1:].split(">")[0] in html  # the footer link is the recipient's own
    assert "/archive/091/" in html  # view online: filled once per edition
    mail_from, _ = smtp_server.envelopes[0]
    subscriber_id = deliveries(send_env, campaign_id)  # the VERP names campaign and subscriber
    assert verp.decode(get_settings().secret, mail_from)[0] == campaign_id
    assert subscriber_id


def test_test_send_goes_only_to_listed_addresses_marked_test(send_env, smtp_server,
                                                            example_editions):
    add_subscribers(send_env, 5)
    run(send_env, example_editions, test_to=["editor@example.org"])
    smtp_server.wait_for(2)
    assert len(smtp_server.messages) == 2  # one per language
    assert all("TEST" in str(m["Subject"]) or "=?utf-8" in str(m["Subject"])
               for m in smtp_server.messages)
    assert {m["To"] for m in smtp_server.messages} == {"editor@example.org"}
    for sent in smtp_server.messages:  # no unsubscribe link that would act on anybody
        body = message_from_bytes(sent.as_bytes(), policy=email.policy.default)
        html = body.get_body(("html",)).get_content()
        assert sent["List-Unsubscribe"] is None and "/unsubscribe/" not in html
        assert "/archive/091/" in html and "%%" not in html


def test_permanent_refusal_fails_the_delivery_and_records_a_hard_bounce(
        send_env, smtp_server, example_editions):
    emails = add_subscribers(send_env, 3)
    smtp_server.reject_rcpt[emails[1]] = "550 5.1.1 No such user"
    campaign, batches = planned(send_env, example_editions)
    with db.get_engine(send_env).connect() as conn:
        sending.send_batch(get_settings(), conn, campaign.id, *batches[0])
    rows = deliveries(send_env, campaign.id)
    assert rows[emails[1]].state == DeliveryState.FAILED
    assert rows[emails[1]].reply.startswith("550 5.1.1")
    assert rows[emails[0]].state == rows[emails[2]].state == DeliveryState.SENT
    with db.session_scope(send_env) as session:
        subscriber = session.scalar(select(Subscriber).where(Subscriber.email == emails[1]))
        assert subscriber.status == Status.BOUNCED
        assert is_suppressed(session, subscriber.email)


def test_temporary_failure_requeues_and_a_later_try_sends(send_env, smtp_server,
                                                          example_editions):
    emails = add_subscribers(send_env, 4)
    smtp_server.temporary_failures = 1
    campaign, batches = planned(send_env, example_editions)
    with db.get_engine(send_env).connect() as conn, pytest.raises(sending.Deferred):
        sending.send_batch(get_settings(), conn, campaign.id, *batches[0])
    rows = deliveries(send_env, campaign.id)
    assert rows[emails[0]].state == DeliveryState.QUEUED  # greylisted: later
    assert [rows[e].state for e in emails[1:]] == ["sent"] * 3  # the batch went on
    with db.get_engine(send_env).connect() as conn:  # Celery's retry, later
        sending.send_batch(get_settings(), conn, campaign.id, *batches[0])
    assert {r.state for r in deliveries(send_env, campaign.id).values()} == {DeliveryState.SENT}
    assert len(smtp_server.messages) == 4


def test_unsubscribe_and_erasure_during_a_send_are_honoured(send_env, smtp_server,
                                                            example_editions):
    from subscribers.service import erase

    emails = add_subscribers(send_env, 3)
    campaign, batches = planned(send_env, example_editions)
    with db.session_scope(send_env) as session:
        session.execute(select(Subscriber).where(Subscriber.email == emails[2])).scalar_one() \
            .status = Status.UNSUBSCRIBED
        erase(session, emails[0])
    with db.get_engine(send_env).connect() as conn:
        sending.send_batch(get_settings(), conn, campaign.id, *batches[0])
    rows = deliveries(send_env, campaign.id)
    assert rows[emails[2]].state == rows[emails[0]].state == DeliveryState.SKIPPED
    assert len(smtp_server.messages) == 1


def test_paused_campaign_sends_nothing_until_resumed(send_env, smtp_server, example_editions):
    add_subscribers(send_env, 2)
    campaign, batches = planned(send_env, example_editions)
    with db.session_scope(send_env) as session:
        campaigns.set_state(session, campaign.id, CampaignState.PAUSED)
    with db.get_engine(send_env).connect() as conn:
        assert sending.send_batch(get_settings(), conn, campaign.id, *batches[0]) == 0
    with db.session_scope(send_env) as session:
        campaigns.set_state(session, campaign.id, CampaignState.SENDING)
    with db.get_engine(send_env).connect() as conn:
        assert sending.send_batch(get_settings(), conn, campaign.id, *batches[0]) == 2
    with db.session_scope(send_env) as session:
        assert campaigns.finish_if_done(session, session.get(Campaign, campaign.id))


def test_dropped_connection_resumes_the_batch_where_it_stopped(send_env, smtp_server,
                                                              example_editions):
    emails = add_subscribers(send_env, 5)
    smtp_server.drop_at_rcpt = 3
    campaign, batches = planned(send_env, example_editions)
    with db.get_engine(send_env).connect() as conn, pytest.raises(sending.RelayDown):
        sending.send_batch(get_settings(), conn, campaign.id, *batches[0])
    states = deliveries(send_env, campaign.id)
    assert [states[e].state for e in emails] == ["sent", "sent", "queued", "queued", "queued"]
    with db.get_engine(send_env).connect() as conn:  # the retry, on a new connection
        assert sending.send_batch(get_settings(), conn, campaign.id, *batches[0]) == 3
    received = sorted(m["To"].split("<")[-1].rstrip(">") for m in smtp_server.messages)
    assert received == emails
