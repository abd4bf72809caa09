"""Sending one batch of a campaign, one message at a time, each recorded before and after.

Exactly once: a delivery is claimed (queued → sending, committed) just before its SMTP
transaction and recorded (sent or failed, committed) just after. A worker killed between
the two leaves one row in `sending`: recovery marks it `unknown` and never re-sends it, so
nobody is mailed twice; every row still `queued` is sent by the next batch task.

Poison isolation: a message that cannot be built, signed or addressed fails that delivery
alone, with the reason in its row, and the batch goes on. A relay that is unavailable
stops the batch without counting an attempt against anyone (RelayDown); a recipient's
server that says "later" leaves that row queued and the batch goes on (Deferred at the end).
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache

from sqlalchemy import Connection, bindparam, exists, select, text, update

from mailer import verp
from mailer.bounces.breaker import Guard
from mailer.dkim import signer_for
from mailer.message import PreparedEdition, Recipient
from mailer.settings import Settings
from mailer.transport import Ambiguous, TemporaryFailure, get_sender
from subscribers import links
from subscribers.models import Status, Subscriber, utcnow
from workers.compose import Poison, build
from workers.models import Campaign, CampaignEdition, CampaignState, Delivery, DeliveryState
from workers.ratelimit import RateLimit

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
# Seconds between two looks at the campaign's state: a pause or a cancel takes effect
# within this time, whatever the relay's speed (one indexed read each).
CHECK_SECONDS = 0.5


class RelayDown(Exception):
    """The relay is unavailable: the batch stopped, and no row lost an attempt."""


class Deferred(Exception):
    """Some recipients' servers answered 4xx: their rows stay queued for a later try."""



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


# A row moved without being sent: a claimed one given back untried (the relay went away,
# its attempt not counted), or a queued one whose message cannot be made (poison).
_MOVE = text(
    "UPDATE delivery SET state = :to, attempts = attempts - :given_back, reply = :reply, "
    "updated_at = :now WHERE id = :id AND state = :from"
).bindparams(bindparam("now", type_=Delivery.updated_at.type))


def _move(conn: Connection, delivery_id: int, before: str, after: str, reason: str,
          given_back: int = 0) -> None:
    conn.execute(_MOVE, {"id": delivery_id, "from": str(before), "to": str(after),
                         "reply": reason[:500], "given_back": given_back, "now": utcnow()})
    conn.commit()


def _relay_up(conn: Connection, campaign_id: int) -> None:
    conn.execute(update(Campaign).where(Campaign.id == campaign_id).values(
        relay_down_since=None, relay_reply=None, relay_failures=0, relay_retry_at=None))
    conn.commit()


def send_batch(settings: Settings, conn: Connection, campaign_id: int, low: int,
               high: int) -> int:
    """Send the queued deliveries with ids in [low, high]; returns how many were sent.

    Raises RelayDown (the relay is unavailable: the rest of the batch waits, untouched)
    or, once the batch is through, Deferred (some recipients are to be tried again later)."""
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
    outbox = get_sender(settings)
    signer = signer_for(settings)
    quota = RateLimit(settings.send_rate_per_second, settings.send_rate_per_hour,
                      settings.redis_url)
    url = conn.engine.url.render_as_string(hide_password=False)
    relay_was_down = campaign.relay_down_since is not None
    guard = Guard(settings, conn, campaign_id)  # refusals judged; the breaker pauses
    sent = deferred = 0
    checked = time.monotonic()
    try:
        for delivery in queued:
            if time.monotonic() - checked > CHECK_SECONDS:
                checked = time.monotonic()
                if _campaign_state(conn, campaign_id) != CampaignState.SENDING:
                    break
            edition = prepared(url, campaign_id, delivery.language)
            try:
                raw, address = build(edition, recipient(edition, delivery, campaign_id),
                                     outbox, signer)
            except Poison as error:
                log.warning("delivery %s not sent: %s", delivery.id, error)
                _move(conn, delivery.id, DeliveryState.QUEUED, DeliveryState.FAILED, str(error))
                continue
            except TemporaryFailure as error:
                if guard.stops(error):  # a failed login: paused
                    break
                raise RelayDown(str(error)) from error
            quota.wait()
            if not _claim(conn, delivery.id):
                continue  # another worker has it
            mail_from = verp.encode(settings.secret, settings.bounce_domain, campaign_id,
                                    delivery.subscriber_id or 0)
            try:
                outcome = outbox.send(raw, mail_from, address)
            except TemporaryFailure as error:
                if error.relay:  # nothing to do with this recipient: the attempt is given back
                    _move(conn, delivery.id, DeliveryState.SENDING, DeliveryState.QUEUED,
                          str(error), given_back=1)
                    if guard.stops(error):  # refused MAIL FROM, failed login: paused
                        break
                    raise RelayDown(str(error)) from error
                final = delivery.attempts + 1 >= MAX_ATTEMPTS
                _record(conn, delivery.id,
                        DeliveryState.FAILED if final else DeliveryState.QUEUED, str(error)[:500])
                deferred += not final
                continue
            except Ambiguous as error:
                _record(conn, delivery.id, DeliveryState.UNKNOWN, str(error)[:500])
                continue
            if outcome.accepted:
                _record(conn, delivery.id, DeliveryState.SENT, outcome.reply)
                guard.accepted()
                sent += 1
                if relay_was_down:
                    _relay_up(conn, campaign_id)
                    relay_was_down = False
            else:
                _record(conn, delivery.id, DeliveryState.FAILED, outcome.reply)
                if guard.refused(delivery, outcome.reply):
                    break
    finally:
        outbox.close()
    if deferred:
        raise Deferred(f"{deferred} recipient(s) to try again later")
    return sent
