"""Sending one batch of a campaign, a small group of messages at a time.

Exactly once: the deliveries of a group are claimed (queued → sending, committed) just
before their SMTP transactions and recorded (sent or failed) just after (workers.ledger).
A worker killed between the two leaves at most the group's rows in `sending`: recovery
marks them `unknown` and never re-sends them, so nobody is mailed twice; every row still
`queued` is sent by the next batch task.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache

from sqlalchemy import Connection, exists, select, update

from mailer import verp
from mailer.dkim import signer_for
from mailer.message import PreparedEdition, Recipient
from mailer.settings import Settings
from subscribers import links
from subscribers.models import Status, Subscriber
from workers.ledger import GROUP, Ledger
from workers.models import Campaign, CampaignEdition, CampaignState, Delivery, DeliveryState
from workers.outbox import open_batch
from workers.ratelimit import RateLimit
from workers.smtp import Ambiguous, TemporaryFailure

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
# Seconds between two looks at the campaign's state: a pause or a cancel takes effect
# within this time, whatever the relay's speed (one indexed read each).
CHECK_SECONDS = 0.5


@lru_cache(maxsize=32)
def prepared(url: str, campaign_id: int, language: str) -> PreparedEdition:
    """The edition of a campaign, read and prepared once per worker process, with the links
    that are the same for all its recipients already in it."""
    from mailer.db import get_engine
    from mailer.settings import get_settings

    with get_engine(url).connect() as conn:
        row = conn.execute(
            select(CampaignEdition.subject, CampaignEdition.html, CampaignEdition.text,
                   Campaign.slug, Campaign.test)
            .join(Campaign, Campaign.id == CampaignEdition.campaign_id)
            .where(CampaignEdition.campaign_id == campaign_id,
                   CampaignEdition.language == language)
        ).one()
    view_online = links.view_online_url(row.slug, language)
    shared = {"view_online_url": view_online}
    if row.test:  # a test send: links that lead nowhere harmful, the same for everyone
        shared |= {"unsubscribe_url": view_online, "preferences_url": view_online}
    return PreparedEdition(get_settings(), row.subject, row.html, row.text, test=row.test,
                           shared=shared)


def recipient(edition: PreparedEdition, delivery, campaign_id: int) -> Recipient:
    """One delivery's envelope: its address and the signed links that carry the campaign."""
    if delivery.subscriber_id is None:  # a test send: its links are in the edition
        return Recipient(delivery.email, None, {}, {}, edition.new_message_id())
    ids = (delivery.subscriber_id, campaign_id)
    urls = {"unsubscribe_url": links.unsubscribe_url(*ids),
            "preferences_url": links.preferences_url(*ids)}
    return Recipient(delivery.email, None, urls, links.list_unsubscribe_headers(*ids),
                     edition.new_message_id())


def _campaign_state(conn: Connection, campaign_id: int) -> str:
    return conn.execute(select(Campaign.state).where(Campaign.id == campaign_id)).scalar_one()


def _skip_unsubscribed(conn: Connection, campaign_id: int, low: int, high: int) -> None:
    """Honour unsubscribes, bounces, complaints and erasures that arrived after planning."""
    still_subscribed = exists().where(Subscriber.id == Delivery.subscriber_id,
                                      Subscriber.status == Status.SUBSCRIBED)
    conn.execute(
        update(Delivery)
        .where(Delivery.campaign_id == campaign_id, Delivery.id.between(low, high),
               Delivery.state == DeliveryState.QUEUED, Delivery.subscriber_id.is_not(None),
               ~still_subscribed)
        .values(state=DeliveryState.SKIPPED, reply="no longer subscribed")
    )
    conn.commit()


def _build(signer, url: str, campaign_id: int, delivery) -> bytes:
    """One delivery's message, signed when DKIM is on."""
    edition = prepared(url, campaign_id, delivery.language)
    raw = edition.assemble(recipient(edition, delivery, campaign_id))
    return signer.sign(raw) if signer is not None else raw


def send_batch(settings: Settings, conn: Connection, campaign_id: int, low: int, high: int,
               on_hard_bounce=None) -> int:
    """Send the queued deliveries with ids in [low, high]; returns how many were sent."""
    campaign = conn.execute(select(Campaign).where(Campaign.id == campaign_id)).one()
    if campaign.state != CampaignState.SENDING:
        return 0
    _skip_unsubscribed(conn, campaign_id, low, high)
    queued = conn.execute(
        select(Delivery.id, Delivery.subscriber_id, Delivery.email, Delivery.language,
               Delivery.attempts)
        .where(Delivery.campaign_id == campaign_id, Delivery.id.between(low, high),
               Delivery.state == DeliveryState.QUEUED)
        .order_by(Delivery.id)
    ).all()
    conn.commit()
    outbox = open_batch(settings)
    signer = signer_for(settings)
    quota = RateLimit(settings.send_rate_per_second, settings.send_rate_per_hour,
                      settings.redis_url)
    url = conn.engine.url.render_as_string(hide_password=False)
    ledger = Ledger(conn)
    sent = 0
    checked = time.monotonic()
    try:
        for start in range(0, len(queued), GROUP):
            if time.monotonic() - checked > CHECK_SECONDS:
                checked = time.monotonic()
                if ledger.campaign_state(campaign_id) != CampaignState.SENDING:
                    break
            group = queued[start:start + GROUP]
            messages = {delivery.id: _build(signer, url, campaign_id, delivery)
                        for delivery in group}
            for _ in group:
                quota.wait()  # before the claim, so that a claim lasts only the SMTP time
            claimed = ledger.claim(list(messages))
            group = [delivery for delivery in group if delivery.id in claimed]
            sent += _send_group(settings, outbox, ledger, campaign_id, group, messages,
                                on_hard_bounce)
    finally:
        ledger.close()
        outbox.close()
    return sent


def _send_group(settings: Settings, outbox, ledger: Ledger, campaign_id: int, group: list,
                messages: dict[int, bytes], on_hard_bounce) -> int:
    """Hand each claimed delivery of the group to the relay, then record them all at once.

    A TemporaryFailure stops the batch (the task is retried later): the deliveries after
    it go back to `queued`. Anything unexpected leaves the delivery in flight in `sending`
    (it may have gone out: recovery marks it `unknown`) and queues the rest again."""
    outcomes: list[tuple[int, str, str | None]] = []
    bounced: list[tuple[int, str]] = []
    in_flight = None
    try:
        for delivery in group:
            in_flight = delivery.id
            mail_from = verp.encode(settings.secret, settings.bounce_domain, campaign_id,
                                    delivery.subscriber_id or 0)
            try:
                outcome = outbox.send(messages[delivery.id], mail_from, delivery.email)
            except TemporaryFailure as error:
                final = delivery.attempts + 1 >= MAX_ATTEMPTS
                outcomes.append((delivery.id, DeliveryState.FAILED if final
                                 else DeliveryState.QUEUED, str(error)[:500]))
                raise
            except Ambiguous as error:
                outcomes.append((delivery.id, DeliveryState.UNKNOWN, str(error)[:500]))
                continue
            if outcome.accepted:
                outcomes.append((delivery.id, DeliveryState.SENT, outcome.reply))
            else:
                outcomes.append((delivery.id, DeliveryState.FAILED, outcome.reply))
                if outcome.hard_bounce and delivery.subscriber_id:
                    bounced.append((delivery.subscriber_id, outcome.reply))
    finally:
        done = {outcome[0] for outcome in outcomes} | {in_flight}
        ledger.record(outcomes, [delivery.id for delivery in group if delivery.id not in done])
        for subscriber_id, reply in bounced if on_hard_bounce else ():
            on_hard_bounce(subscriber_id, campaign_id, reply)
    return sum(outcome[1] == DeliveryState.SENT for outcome in outcomes)
