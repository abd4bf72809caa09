"""The circuit breaker against a real SMTP server on 127.0.0.1 (aiosmtpd) that refuses
everything, then accepts: the campaign pauses with the reason, nobody's status changes, and
resume sends everyone exactly once."""

from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from sqlalchemy import select

from mailer import cli_send, db
from mailer.bounces import pause
from mailer.bounces.models import BounceEvent
from mailer.settings import get_settings
from subscribers.models import Status, Subscriber
from tests.sending.conftest import add_subscribers
from tests.sending.test_send_batch import deliveries, planned
from tests.support.servers import SmtpCatcher, free_port
from workers import campaigns, sending
from workers.models import Campaign, CampaignState, DeliveryState

RELAY_DENIED = "554 5.7.1 <addr>: Relay access denied"


def send_all(url, campaign_id, batches=None):
    with db.session_scope(url) as session:
        batches = batches or list(campaigns.pending_batches(session, campaign_id))
    with db.get_engine(url).connect() as conn:
        for low, high in batches:
            sending.send_batch(get_settings(), conn, campaign_id, low, high)


def resume(url, campaign_id):
    with db.session_scope(url) as session:
        campaigns.set_state(session, campaign_id, CampaignState.SENDING)
    send_all(url, campaign_id)
    with db.session_scope(url) as session:
        campaign = session.get(Campaign, campaign_id)
        campaigns.finish_if_done(session, campaign)
        return campaign.state, pause.read(campaign.pause_reason)


def campaign_of(url, campaign_id):
    with db.session_scope(url) as session:
        campaign = session.get(Campaign, campaign_id)
        return campaign.state, str(pause.read(campaign.pause_reason))


def statuses(url):
    with db.session_scope(url) as session:
        return Counter(session.scalars(select(Subscriber.status)).all())


def events(url, campaign_id):
    with db.session_scope(url) as session:
        return session.execute(select(BounceEvent.cause, BounceEvent.fault, BounceEvent.kind)
                               .where(BounceEvent.campaign_id == campaign_id)).all()


def test_a_relay_that_refuses_every_recipient_pauses_and_nobody_is_lost(
        send_env, smtp_server, example_editions):
    emails = add_subscribers(send_env, 30)
    smtp_server.refuse_rcpt = RELAY_DENIED
    campaign, batches = planned(send_env, example_editions)
    send_all(send_env, campaign.id, batches)

    state, reason = campaign_of(send_env, campaign.id)
    assert state == CampaignState.PAUSED
    assert "relay" in reason and "Relay access denied" in reason
    assert statuses(send_env) == {Status.SUBSCRIBED: 30}
    refused = events(send_env, campaign.id)  # counted against the campaign, in words
    assert len(refused) == get_settings().breaker_in_a_row
    assert {(c, f) for c, f, _ in refused} == {("relay denied", "sender")}
    rows = deliveries(send_env, campaign.id)
    assert {row.state for row in rows.values()} == {DeliveryState.QUEUED}
    shown = CliRunner().invoke(cli_send.campaign, ["status", str(campaign.id)]).output
    assert "paused by the circuit breaker: 5 refusals in a row" in shown
    assert "example.org refused 5 messages: the relay refuses to relay for us" in shown

    smtp_server.refuse_rcpt = ""  # the relay is fixed: resume goes on where it stopped
    assert resume(send_env, campaign.id) == (CampaignState.DONE, None)
    received = sorted(m["To"] for m in smtp_server.wait_for(30))
    assert received == sorted(emails)  # everyone once, nobody twice
    assert statuses(send_env) == {Status.SUBSCRIBED: 30}


def test_a_refused_sender_address_pauses_at_once(send_env, smtp_server, example_editions):
    add_subscribers(send_env, 5)
    smtp_server.refuse_mail = "550 5.7.1 Sender address rejected: not owned by user"
    campaign, batches = planned(send_env, example_editions)
    send_all(send_env, campaign.id, batches)
    state, reason = campaign_of(send_env, campaign.id)
    assert state == CampaignState.PAUSED and "sending address" in reason
    assert statuses(send_env) == {Status.SUBSCRIBED: 5}
    assert smtp_server.messages == []

    smtp_server.refuse_mail = ""
    assert resume(send_env, campaign.id)[0] == CampaignState.DONE
    assert len(smtp_server.wait_for(5)) == 5


def test_a_share_of_a_batch_refused_for_the_senders_reasons_pauses(
        send_env, smtp_server, example_editions, monkeypatch):
    monkeypatch.setenv("INFOLETTRE_BREAKER_IN_A_ROW", "1000")
    get_settings.cache_clear()
    emails = add_subscribers(send_env, 60)
    for address in emails[::3]:  # one in three: Gmail's unauthenticated sender
        smtp_server.reject_rcpt[address] = (
            "550 5.7.26 This mail has been blocked because the sender is unauthenticated.")
    campaign, batches = planned(send_env, example_editions)
    send_all(send_env, campaign.id, batches)
    state, reason = campaign_of(send_env, campaign.id)
    assert state == CampaignState.PAUSED
    assert "of 2" in reason and "DKIM" in reason  # "7 of 20 messages refused: … DKIM …"
    assert statuses(send_env) == {Status.SUBSCRIBED: 60}


def test_refusals_of_the_addresses_themselves_never_pause(send_env, smtp_server,
                                                          example_editions):
    emails = add_subscribers(send_env, 30)
    for address in emails[::2]:
        smtp_server.reject_rcpt[address] = "550 5.1.1 <x>: Recipient address rejected: " \
                                           "User unknown in virtual mailbox table"
    campaign, batches = planned(send_env, example_editions)
    send_all(send_env, campaign.id, batches)
    with db.session_scope(send_env) as session:
        campaigns.finish_if_done(session, session.get(Campaign, campaign.id))
    assert campaign_of(send_env, campaign.id)[0] == CampaignState.DONE
    assert statuses(send_env) == {Status.SUBSCRIBED: 15, Status.BOUNCED: 15}
    assert {e.kind for e in events(send_env, campaign.id)} == {"hard"}


def refuse_everyone(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=False, handled=False)


@pytest.fixture
def locked_relay():
    """A relay that refuses every login (535), as with a wrong password."""
    catcher = SmtpCatcher(port=free_port())
    controller = Controller(catcher, hostname="127.0.0.1", port=catcher.port,
                            auth_require_tls=False, authenticator=refuse_everyone)
    controller.start()
    yield catcher
    controller.stop()


def test_a_failed_login_pauses_with_the_reason(send_env, locked_relay, example_editions,
                                               monkeypatch):
    monkeypatch.setenv("INFOLETTRE_SMTP_URL",
                       f"smtp://newsletter:wrong@127.0.0.1:{locked_relay.port}")
    get_settings.cache_clear()
    add_subscribers(send_env, 3)
    campaign, batches = planned(send_env, example_editions)
    send_all(send_env, campaign.id, batches)
    state, reason = campaign_of(send_env, campaign.id)
    assert state == CampaignState.PAUSED and "login" in reason
    assert statuses(send_env) == {Status.SUBSCRIBED: 3}
    assert {row.state for row in deliveries(send_env, campaign.id).values()} == {
        DeliveryState.QUEUED}
