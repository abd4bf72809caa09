"""The circuit breaker against a real SMTP server on 127.0.0.1 (aiosmtpd) that refuses
everything, then accepts: the campaign pauses with the reason, nobody's status changes, and
resume sends everyone exactly once."""

from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from sqlalchemy import select, update

from mailer import cli_campaign, db
from mailer.bounces import pause
from mailer.bounces.models import BounceEvent
from mailer.console.bounce_words import said_on_the_command_line
from mailer.settings import get_settings
from subscribers.models import Status, Subscriber
from tests.sending.conftest import add_subscribers
from tests.sending.test_send_batch import deliveries, planned
from tests.support.servers import SmtpCatcher, free_port
from workers import campaigns, sending
from workers.models import Campaign, CampaignState, Delivery, DeliveryState

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
        return campaign.state, said_on_the_command_line(campaign.pause_reason)


def paused_keeping_everyone(url, campaign_id, batches, readers) -> str:
    """Send the batches; the campaign must be paused, every reader still subscribed and
    every row queued again. Returns the pause reason."""
    send_all(url, campaign_id, batches)
    state, reason = campaign_of(url, campaign_id)
    assert state == CampaignState.PAUSED, reason
    assert statuses(url) == {Status.SUBSCRIBED: readers}
    assert {row.state for row in deliveries(url, campaign_id).values()} == {
        DeliveryState.QUEUED}
    return reason


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
    shown = CliRunner().invoke(cli_campaign.campaign, ["status", str(campaign.id)]).output
    assert "paused by itself: 5 refusals in a row" in shown
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


@pytest.mark.parametrize(("readers", "refused"), [
    (30, slice(None, None, 2)),  # every other reader
    (14, slice(1, 13)),  # twelve addresses of one defunct domain, imported together
])
def test_refusals_of_the_addresses_themselves_never_pause(send_env, smtp_server,
                                                          example_editions, readers, refused):
    emails = add_subscribers(send_env, readers)
    for address in emails[refused]:
        smtp_server.reject_rcpt[address] = "550 5.1.1 <x>: Recipient address rejected: " \
                                           "User unknown in virtual mailbox table"
    campaign, batches = planned(send_env, example_editions)
    send_all(send_env, campaign.id, batches)
    with db.session_scope(send_env) as session:
        campaigns.finish_if_done(session, session.get(Campaign, campaign.id))
    assert campaign_of(send_env, campaign.id)[0] == CampaignState.DONE
    bounced = len(emails[refused])
    assert statuses(send_env) == {Status.SUBSCRIBED: readers - bounced,
                                  Status.BOUNCED: bounced}
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
    assert "login" in paused_keeping_everyone(send_env, campaign.id, batches, 3)


UNAUTHENTICATED = "550 5.7.26 This mail has been blocked because the sender is unauthenticated."


def test_batches_smaller_than_the_streak_still_trip(send_env, smtp_server, example_editions):
    """The counts are the campaign's: ten batches of three, each alone below the
    thresholds, pause it as one batch of thirty would, and every refused row is queued."""
    emails = add_subscribers(send_env, 30)
    smtp_server.refuse_rcpt = UNAUTHENTICATED
    campaign, _ = planned(send_env, example_editions)
    with db.session_scope(send_env) as session:
        ids = sorted(row.id for row in session.execute(
            select(Delivery.id).where(Delivery.campaign_id == campaign.id)))
    batches = [(ids[i], ids[i + 2]) for i in range(0, 30, 3)]
    reason = paused_keeping_everyone(send_env, campaign.id, batches, 30)
    assert "5 refusals in a row" in reason
    smtp_server.refuse_rcpt = ""
    assert resume(send_env, campaign.id)[0] == CampaignState.DONE
    assert sorted(m["To"] for m in smtp_server.wait_for(30)) == sorted(emails)


def test_an_acceptance_ends_the_streak_and_resume_counts_again(send_env, smtp_server,
                                                               example_editions):
    """Four refusals, one acceptance, four refusals: no five in a row. After a trip and a
    resume, the counts start again (the earlier refusals do not trip it at once)."""
    emails = add_subscribers(send_env, 9)
    for address in emails[:4] + emails[5:]:
        smtp_server.reject_rcpt[address] = UNAUTHENTICATED
    campaign, _ = planned(send_env, example_editions)
    with db.session_scope(send_env) as session:
        ids = sorted(session.scalars(select(Delivery.id).where(
            Delivery.campaign_id == campaign.id)))
    send_all(send_env, campaign.id, [(i, i) for i in ids])  # one batch per message
    assert campaign_of(send_env, campaign.id)[0] == CampaignState.SENDING
    with db.session_scope(send_env) as session:
        row = session.get(Campaign, campaign.id)
        assert (row.breaker_streak, row.breaker_refused, row.breaker_seen) == (4, 8, 9)
        campaigns.set_state(session, campaign.id, CampaignState.PAUSED)
        campaigns.set_state(session, campaign.id, CampaignState.SENDING)
        row = session.get(Campaign, campaign.id)
        assert (row.breaker_streak, row.breaker_refused, row.breaker_seen) == (0, 0, 0)


def test_a_relay_that_calls_every_address_unknown_pauses_and_restores(send_env, smtp_server,
                                                                      example_editions):
    """A misconfigured relay (Postfix with the list's domain in its own recipient table)
    answers "user unknown" for everyone: no real list does that, so after
    breaker_hard_in_a_row of them the campaign pauses, the few suppressed on the way are
    restored (audited), and resume mails everyone once."""
    from mailer.console.models import AuditEntry

    emails = []
    with db.session_scope(send_env) as session:
        for number, email in enumerate(add_subscribers(send_env, 30)):
            emails.append(email.replace("example.org", f"cdm-{number % 4}.example"))
            session.execute(update(Subscriber).where(Subscriber.email == email)
                            .values(email=emails[-1]))
    smtp_server.refuse_rcpt = ("550 5.1.1 <addr>: Recipient address rejected: User unknown "
                               "in local recipient table")
    campaign, batches = planned(send_env, example_editions)
    reason = paused_keeping_everyone(send_env, campaign.id, batches, 30)
    assert "10 refusals in a row" in reason
    with db.session_scope(send_env) as session:
        [entry] = session.scalars(select(AuditEntry)).all()
        assert (entry.staff_email, entry.detail["restored"]) == ("circuit breaker", 10)
    smtp_server.refuse_rcpt = ""
    assert resume(send_env, campaign.id)[0] == CampaignState.DONE
    assert sorted(m["To"] for m in smtp_server.wait_for(30)) == sorted(emails)

