"""Sending one batch of a campaign: a stream of messages to the relay (mailer.transport),
claimed a small group at a time.

Exactly once: the deliveries of a group are claimed (queued → sending, committed) before
any of them is handed to the relay, and the outcomes so far are recorded (sent or failed)
with the next claim and at the end (workers.ledger). The transport may pipeline
(mailer.transport.smtp): when it asks for the first message of a group, at most
`outbox.ahead` messages of the group before are still without an outcome, so claims of
GROUP - ahead keep the promise: a worker killed at any moment leaves at most GROUP rows
in `sending` for each batch it was sending, which recovery marks `unknown` and never
re-sends, so nobody is mailed twice; every row still `queued` is sent by the next batch
task.

Poison isolation: a message that cannot be built, signed or addressed fails that delivery
alone, with the reason in its row, and the batch goes on. A relay that is unavailable
stops the batch without counting an attempt against anyone (RelayDown); a recipient's
server that says "later" leaves that row queued and the batch goes on (Deferred at the end).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import Connection, bindparam, func, select, text, update

from mailer import verp
from mailer.bounces.breaker import Guard
from mailer.db import utcnow
from mailer.dkim import signer_for
from mailer.message import PreparedEdition, Recipient
from mailer.settings import Settings
from mailer.transport import Ambiguous, Envelope, Outcome, TemporaryFailure, get_sender
from subscribers import links
from subscribers.models import Status, Subscriber
from workers.compose import Poison, build, personal, sign
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
    ledger = Ledger(conn)
    batch = _Batch(settings, conn, campaign_id, ledger, campaign.relay_down_since is not None)
    try:
        batch.send(outbox, queued)
    finally:
        ledger.close()
        outbox.close()
    if batch.deferred:
        raise Deferred(f"{batch.deferred} recipient(s) to try again later")
    return batch.sent



class _Paused(Exception):
    """The breaker paused the campaign: the batch ends, its untried rows queued again."""


class _Batch:
    """The batch's messages, built and claimed as the transport asks for them (`_messages`),
    and their outcomes as the relay answers (`_judge`). When the batch ends, whatever way,
    the outcomes are recorded and the rows claimed but never handed to the relay go back to
    `queued`, their attempt not counted; a row whose data went out without a reply stays
    `sending` (it may have been accepted).

    A refusal is recorded before the breaker judges it, since a trip queues again the rows
    refused for the sender's reasons, and only recorded rows can be found."""

    def __init__(self, settings: Settings, conn: Connection, campaign_id: int,
                 ledger: Ledger, relay_was_down: bool) -> None:
        self.settings, self.conn, self.campaign_id, self.ledger = (
            settings, conn, campaign_id, ledger)
        self.guard = Guard(settings, conn, campaign_id)  # refusals judged; the breaker pauses
        self.relay_was_down = relay_was_down
        self.outcomes: list[tuple[int, str, str | None]] = []
        self.claimed: set[int] = set()  # claimed and not yet recorded
        self.sent = self.deferred = 0

    def send(self, outbox, queued: list) -> None:
        """Raises RelayDown; returns when the batch is through, paused or cancelled."""
        stream = outbox.stream(self._messages(outbox, queued))
        reason = None
        try:
            for envelope, result in stream:
                self._judge(envelope.key, result)
        except RelayDown as error:
            reason = str(error)[:500]  # the rows not handed over wait for the relay
            raise
        except _Paused:
            pass  # refused at MAIL FROM or the login: the untried rows are given back
        finally:
            stream.close()  # the replies to data already out are read into `late`
            for envelope, result in outbox.late:
                self._late(envelope.key, result)
            done = {outcome[0] for outcome in self.outcomes}
            self._flush(sorted(self.claimed - done), reason)

    def _messages(self, outbox, queued: list):
        """The envelopes, a claimed group at a time; a message that cannot be made fails its
        delivery alone (Poison). Ends early when the campaign is no longer sending."""
        settings, signer = self.settings, signer_for(self.settings)
        quota = RateLimit(settings.send_rate_per_second, settings.send_rate_per_hour,
                          settings.redis_url)
        url = self.conn.engine.url.render_as_string(hide_password=False)
        checked = time.monotonic()
        # The messages of the group before still in flight when a claim is made, and the
        # claim: never more than GROUP rows of this batch in `sending`.
        claim = max(GROUP - outbox.ahead, 1)
        for start in range(0, len(queued), claim):
            if time.monotonic() - checked > CHECK_SECONDS:
                checked = time.monotonic()
                if self.ledger.campaign_state(self.campaign_id) != CampaignState.SENDING:
                    return
            group = queued[start:start + claim]
            for _ in group:
                quota.wait()  # before the claim, so that a claim lasts only the SMTP time
            claimed = self.ledger.claim([delivery.id for delivery in group], self.outcomes)
            self._recorded()
            self.claimed |= claimed
            for delivery in group:
                if delivery.id in claimed:
                    envelope = self._envelope(outbox, signer, url, delivery)
                    if envelope is not None:
                        yield envelope

    def _envelope(self, outbox, signer, url: str, delivery) -> Envelope | None:
        """The delivery's message, built and signed in this thread, or None: a poison
        message. Signing here, not in a pool of its own: RSA and SHA-256 let go of the GIL
        while they work, so the worker's other batch runs meanwhile, and a hand-over to a
        signing thread cost more than it saved (bench/send.py)."""
        try:
            edition = prepared(url, self.campaign_id, delivery.language)
            raw, address = build(edition, personal(recipient, edition, delivery,
                                                   self.campaign_id), outbox)
            raw = sign(signer, raw)
        except Poison as error:
            self._poisoned(delivery, error)
            return None
        except TemporaryFailure as error:  # the relay, asked whether it takes SMTPUTF8
            self._stop(error)
        settings = self.settings
        mail_from = verp.encode(settings.secret, settings.bounce_domain, self.campaign_id,
                                delivery.subscriber_id or 0)
        return Envelope(raw, mail_from, address, delivery, dot_safe=True)

    def _poisoned(self, delivery, error: Poison) -> None:
        log.warning("delivery %s not sent: %s", delivery.id, error)
        self.claimed.discard(delivery.id)
        _move(self.conn, delivery.id, DeliveryState.SENDING, DeliveryState.FAILED,
              str(error), given_back=1)

    def _stop(self, error: TemporaryFailure):
        """The relay itself failed: nothing to do with the recipient being tried."""
        self._flush()
        if self.guard.stops(error):  # refused MAIL FROM, failed login: paused
            raise _Paused from error
        raise RelayDown(str(error)) from error

    def _judge(self, delivery, result) -> None:
        if isinstance(result, TemporaryFailure):
            if result.relay:
                self._stop(result)
            final = delivery.attempts + 1 >= MAX_ATTEMPTS
            self._record(delivery, DeliveryState.FAILED if final else DeliveryState.QUEUED,
                         str(result)[:500])
            self.deferred += not final
        elif isinstance(result, Ambiguous):
            self._record(delivery, DeliveryState.UNKNOWN, str(result)[:500])
        elif isinstance(result, Outcome) and result.accepted:
            self._record(delivery, DeliveryState.SENT, result.reply)
            self.guard.accepted()
            self.sent += 1
            if self.relay_was_down:
                _relay_up(self.conn, self.campaign_id)
                self.relay_was_down = False
        else:
            self._record(delivery, DeliveryState.FAILED, result.reply)
            self._flush()
            if self.guard.refused(delivery, result.reply):
                raise _Paused

    def _late(self, delivery, result) -> None:
        """A result read as the batch stopped: recorded, not judged again (the breaker and
        the relay's state are for results that come while the batch goes on)."""
        if isinstance(result, Outcome):
            self._record(delivery, DeliveryState.SENT if result.accepted
                         else DeliveryState.FAILED, result.reply)
            self.sent += result.accepted
        elif isinstance(result, Ambiguous):  # its data may have gone out: never again
            self._record(delivery, DeliveryState.UNKNOWN, str(result)[:500])
        elif not result.relay:  # a 4xx about this message: it is tried again
            self._record(delivery, DeliveryState.QUEUED, str(result)[:500])
            self.deferred += 1

    def _record(self, delivery, state: str, reply: str | None) -> None:
        self.outcomes.append((delivery.id, state, reply))

    def _flush(self, release: Sequence[int] = (), reason: str | None = None) -> None:
        """The outcomes so far recorded, and `release` (claimed, never handed over) given
        back."""
        if self.outcomes or release:
            self.ledger.record(self.outcomes, release, reason)
        self.claimed -= set(release)
        self._recorded()

    def _recorded(self) -> None:
        """The outcomes so far are in the ledger."""
        self.claimed -= {outcome[0] for outcome in self.outcomes}
        self.outcomes = []
