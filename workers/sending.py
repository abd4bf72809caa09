"""Sending one batch of a campaign, one message at a time, each recorded before and after.

Exactly once: a delivery is claimed (queued → sending, committed) just before its SMTP
transaction and recorded (sent or failed, committed) just after. A worker killed between
the two leaves one row in `sending`: recovery marks it `unknown` and never re-sends it, so
nobody is mailed twice; every row still `queued` is sent by the next batch task.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache

from sqlalchemy import Connection, bindparam, exists, select, text, update

from mailer import verp
from mailer.dkim import signer_for
from mailer.message import PreparedEdition, Recipient
from mailer.settings import Settings
from subscribers import links
from subscribers.models import Status, Subscriber, utcnow
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
    if row.test:  # a test send: demonstration pages that change nothing, the same for all
        shared |= links.demo_links(language)
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


# Two statements per message, written out once: the claim, and the outcome.
_CLAIM = text(
    "UPDATE delivery SET state = 'sending', attempts = attempts + 1, updated_at = :now "
    "WHERE id = :id AND state = 'queued'"
).bindparams(bindparam("now", type_=Delivery.updated_at.type))
_RECORD = text(
    "UPDATE delivery SET state = :state, reply = :reply, updated_at = :now WHERE id = :id"
).bindparams(bindparam("now", type_=Delivery.updated_at.type))


def _claim(conn: Connection, delivery_id: int) -> bool:
    """queued → sending, committed; False if another worker has it already."""
    claimed = conn.execute(_CLAIM, {"id": delivery_id, "now": utcnow()}).rowcount == 1
    conn.commit()
    return claimed


def _record(conn: Connection, delivery_id: int, state: str, reply: str | None) -> None:
    conn.execute(_RECORD, {"id": delivery_id, "state": str(state), "reply": reply,
                           "now": utcnow()})
    conn.commit()


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
    outbox = open_batch(settings)
    signer = signer_for(settings)
    quota = RateLimit(settings.send_rate_per_second, settings.send_rate_per_hour,
                      settings.redis_url)
    url = conn.engine.url.render_as_string(hide_password=False)
    sent = 0
    checked = time.monotonic()
    try:
        for delivery in queued:
            if time.monotonic() - checked > CHECK_SECONDS:
                checked = time.monotonic()
                if _campaign_state(conn, campaign_id) != CampaignState.SENDING:
                    break
            edition = prepared(url, campaign_id, delivery.language)
            message = recipient(edition, delivery, campaign_id)
            raw = edition.assemble(message)
            if signer is not None:
                raw = signer.sign(raw)
            quota.wait()
            if not _claim(conn, delivery.id):
                continue  # another worker has it
            mail_from = verp.encode(settings.secret, settings.bounce_domain, campaign_id,
                                    delivery.subscriber_id or 0)
            try:
                outcome = outbox.send(raw, mail_from, delivery.email)
            except TemporaryFailure as error:
                final = delivery.attempts + 1 >= MAX_ATTEMPTS
                _record(conn, delivery.id,
                        DeliveryState.FAILED if final else DeliveryState.QUEUED, str(error)[:500])
                raise
            except Ambiguous as error:
                _record(conn, delivery.id, DeliveryState.UNKNOWN, str(error)[:500])
                continue
            if outcome.accepted:
                _record(conn, delivery.id, DeliveryState.SENT, outcome.reply)
                sent += 1
            else:
                _record(conn, delivery.id, DeliveryState.FAILED, outcome.reply)
                if outcome.hard_bounce and on_hard_bounce and delivery.subscriber_id:
                    on_hard_bounce(delivery.subscriber_id, campaign_id, outcome.reply)
    finally:
        outbox.close()
    return sent

