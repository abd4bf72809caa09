"""Sending one batch of a campaign, a small group of messages at a time.

Exactly once: the deliveries of a group are claimed (queued → sending, committed) just
before their SMTP transactions and recorded (sent or failed) just after (workers.ledger).
A worker killed between the two leaves at most the group's rows in `sending`: recovery
marks them `unknown` and never re-sends them, so nobody is mailed twice; every row still
`queued` is sent by the next batch task.

Poison isolation: a message that cannot be built, signed or addressed fails that delivery
alone, with the reason in its row, and the batch goes on. A relay that is unavailable
stops the batch without counting an attempt against anyone (RelayDown); a recipient's
server that says "later" leaves that row queued and the batch goes on (Deferred at the end).
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache

from sqlalchemy import Connection, bindparam, func, select, text, update

from mailer import verp
from mailer.bounces.breaker import Guard
from mailer.dkim import signer_for
from mailer.message import PreparedEdition, Recipient
from mailer.settings import Settings
from mailer.transport import Ambiguous, TemporaryFailure, get_sender
from subscribers import links
from subscribers.models import Status, Subscriber, utcnow
from workers.compose import Poison, build, personal
from workers.ledger import GROUP, Ledger
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
        ).one_or_none()
    if row is None:  # a row whose language the campaign was not rendered in
        raise Poison(f"the campaign has no edition in the language {language!r}")
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
    if delivery.link_key is None:  # the subscriber's row is gone: erased since planning
        raise LookupError("the subscriber was erased")
    urls, headers = links.campaign_links(delivery.subscriber_id, delivery.link_key,
                                         campaign_id)
    return Recipient(delivery.email, None, urls, headers, edition.new_message_id())


def _skip_unsubscribed(conn: Connection, campaign_id: int, low: int, high: int) -> None:
    """Honour unsubscribes, bounces, complaints and erasures that arrived after planning.

    The subscriber's status is read by primary key, row by row (a scalar subquery): as a
    NOT EXISTS, PostgreSQL without statistics on a freshly imported list chose to scan
    every subscribed row for each delivery (a second per batch at 10,000 subscribers)."""
    status = select(Subscriber.status).where(Subscriber.id == Delivery.subscriber_id)
    conn.execute(
        update(Delivery)
        .where(Delivery.campaign_id == campaign_id, Delivery.id.between(low, high),
               Delivery.state == DeliveryState.QUEUED, Delivery.subscriber_id.is_not(None),
               func.coalesce(status.scalar_subquery(), "erased") != Status.SUBSCRIBED)
        .values(state=DeliveryState.SKIPPED, reply="no longer subscribed")
    )
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
               Delivery.attempts, Subscriber.link_key)
        .outerjoin(Subscriber, Subscriber.id == Delivery.subscriber_id)  # links bound to it
        .where(Delivery.campaign_id == campaign_id, Delivery.id.between(low, high),
               Delivery.state == DeliveryState.QUEUED)
        .order_by(Delivery.id)
    ).all()
    conn.commit()
    outbox = get_sender(settings)
    signer = signer_for(settings)
    quota = RateLimit(settings.send_rate_per_second, settings.send_rate_per_hour,
                      settings.redis_url)
    url = conn.engine.url.render_as_string(hide_password=False)
    ledger = Ledger(conn)
    relay_was_down = campaign.relay_down_since is not None
    guard = Guard(settings, conn, campaign_id)  # refusals judged; the breaker pauses
    sent = deferred = 0
    checked = time.monotonic()
    try:
        for start in range(0, len(queued), GROUP):
            if time.monotonic() - checked > CHECK_SECONDS:
                checked = time.monotonic()
                if ledger.campaign_state(campaign_id) != CampaignState.SENDING:
                    break
            ready, stopped = [], False
            for delivery in queued[start:start + GROUP]:
                try:
                    edition = prepared(url, campaign_id, delivery.language)
                    raw, address = build(edition, personal(recipient, edition, delivery,
                                                           campaign_id), outbox, signer)
                except Poison as error:
                    log.warning("delivery %s not sent: %s", delivery.id, error)
                    _move(conn, delivery.id, DeliveryState.QUEUED, DeliveryState.FAILED,
                          str(error))
                    continue
                except TemporaryFailure as error:
                    if guard.stops(error):  # a failed login: paused
                        stopped = True
                        break
                    raise RelayDown(str(error)) from error
                ready.append((delivery, raw, address))
            if stopped:
                break
            for _ in ready:
                quota.wait()  # before the claim, so that a claim lasts only the SMTP time
            claimed = ledger.claim([delivery.id for delivery, _, _ in ready])
            group = _Group(settings, campaign_id, ledger, guard)
            going_on = group.send(outbox, [message for message in ready
                                           if message[0].id in claimed])
            sent, deferred = sent + group.sent, deferred + group.deferred
            if group.sent and relay_was_down:
                _relay_up(conn, campaign_id)
                relay_was_down = False
            if not going_on:  # the breaker paused the campaign
                break
    finally:
        ledger.close()
        outbox.close()
    if deferred:
        raise Deferred(f"{deferred} recipient(s) to try again later")
    return sent


class _Paused(Exception):
    """The breaker paused the campaign: the group ends, its untried rows queued again."""


class _Group:
    """One group's SMTP transactions, recorded all at once after the last (or after a
    failure: then the deliveries never handed to the relay go back to `queued`, their
    attempt not counted, while the one in flight stays `sending`: it may have gone out).

    A refusal is recorded before the breaker judges it, since a trip queues again the rows
    refused for the sender's reasons, and only recorded rows can be found."""

    def __init__(self, settings: Settings, campaign_id: int, ledger: Ledger,
                 guard: Guard) -> None:
        self.settings, self.campaign_id, self.ledger = settings, campaign_id, ledger
        self.guard = guard
        self.outcomes: list[tuple[int, str, str | None]] = []
        self.recorded: set[int] = set()
        self.sent = self.deferred = 0

    def send(self, outbox, messages: list) -> bool:
        """Send `messages` ((delivery, raw, address) each); False when the breaker paused
        the campaign and the batch must stop. Raises RelayDown."""
        in_flight = reason = None
        try:
            for delivery, raw, address in messages:
                in_flight = delivery.id
                self._one(outbox, delivery, raw, address)
            in_flight = None
        except RelayDown as error:
            in_flight, reason = None, str(error)[:500]  # refused before the data: given back
            raise
        except _Paused:
            in_flight = None  # refused at MAIL FROM or the login: given back
            return False
        finally:
            done = self.recorded | {outcome[0] for outcome in self.outcomes} | {in_flight}
            self.ledger.record(self.outcomes, [delivery.id for delivery, _, _ in messages
                                               if delivery.id not in done], reason)
            self.outcomes = []
        return True

    def _flush(self) -> None:
        self.ledger.record(self.outcomes)
        self.recorded |= {outcome[0] for outcome in self.outcomes}
        self.outcomes = []

    def _one(self, outbox, delivery, raw: bytes, address: str) -> None:
        settings = self.settings
        mail_from = verp.encode(settings.secret, settings.bounce_domain, self.campaign_id,
                                delivery.subscriber_id or 0)
        try:
            outcome = outbox.send(raw, mail_from, address)
        except TemporaryFailure as error:
            if error.relay:  # nothing to do with this recipient: the attempt is given back
                self._flush()
                if self.guard.stops(error):  # refused MAIL FROM, failed login: paused
                    raise _Paused from error
                raise RelayDown(str(error)) from error
            final = delivery.attempts + 1 >= MAX_ATTEMPTS
            self._record(delivery, DeliveryState.FAILED if final else DeliveryState.QUEUED,
                         str(error)[:500])
            self.deferred += not final
            return
        except Ambiguous as error:
            self._record(delivery, DeliveryState.UNKNOWN, str(error)[:500])
            return
        if outcome.accepted:
            self._record(delivery, DeliveryState.SENT, outcome.reply)
            self.guard.accepted()
            self.sent += 1
        else:
            self._record(delivery, DeliveryState.FAILED, outcome.reply)
            self._flush()
            if self.guard.refused(delivery, outcome.reply):
                raise _Paused

    def _record(self, delivery, state: str, reply: str | None) -> None:
        self.outcomes.append((delivery.id, state, reply))
