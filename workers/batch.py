"""One batch's messages on their way (workers.sending sends a batch with it): built and
claimed a group at a time as the transport asks for them, judged as the relay answers,
recorded in the ledger (workers.ledger); a message that cannot be made fails alone
(workers.compose.Poison), a relay that goes away stops the batch (RelayDown)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text, update

from mailer import verp
from mailer.bounces.breaker import Guard
from mailer.db import utcnow
from mailer.dkim import DkimSigner
from mailer.settings import Settings
from mailer.transport import Ambiguous, Envelope, Outcome, TemporaryFailure
from workers.compose import Poison, build, personal, prepared, recipient, sign
from workers.ledger import GROUP, Ledger
from workers.models import Campaign, CampaignState, Delivery, DeliveryState
from workers.ratelimit import quota_for

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
# Seconds between two looks at the campaign's state: a pause or a cancel takes effect
# within this time, whatever the relay's speed (one indexed read each).
CHECK_SECONDS = 0.5
# A wait for the quota longer than this is made with nothing held: the messages in flight
# are finished and recorded, the connection closed, and the rest claimed after the wait.
LONG_WAIT = 2.0


class RelayDown(Exception):
    """The relay is unavailable: the batch stopped, and no row lost an attempt."""


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


class _Paused(Exception):
    """The breaker paused the campaign: the batch ends, its untried rows queued again."""


class Batch:
    """The batch's messages, built and claimed as the transport asks for them (`_messages`),
    and their outcomes as the relay answers (`_judge`). When the batch ends, whatever way,
    the outcomes are recorded and the rows claimed but never handed to the relay go back to
    `queued`, their attempt not counted; a row whose data went out without a reply stays
    `sending` (it may have been accepted).

    A refusal is recorded before the breaker judges it, since a trip queues again the rows
    refused for the sender's reasons, and only recorded rows can be found."""

    def __init__(self, settings: Settings, conn: Connection, campaign_id: int,
                 ledger: Ledger, relay_was_down: bool, signer: DkimSigner | None) -> None:
        self.settings, self.conn, self.campaign_id, self.ledger = (
            settings, conn, campaign_id, ledger)
        self.signer = signer  # read by send_batch, which pauses the campaign if it cannot
        self.guard = Guard(settings, conn, campaign_id)  # refusals judged; the breaker pauses
        self.relay_was_down = relay_was_down
        self.outcomes: list[tuple[int, str, str | None]] = []
        self.claimed: set[int] = set()  # claimed and not yet recorded
        self.sent = self.deferred = 0

    def send(self, outbox, queued: list) -> None:
        """Raises RelayDown; returns when the batch is through, paused or cancelled. A long
        wait for the quota (LONG_WAIT) is made between two streams, nothing claimed."""
        self.checked = time.monotonic()
        rest = list(queued)
        while rest:
            self.rest, self.pause = [], 0.0
            self._stream(outbox, rest)
            rest = self.rest
            if rest:
                outbox.close()  # an idle connection may be dropped by the relay meanwhile
                if not self._wait(self.pause):
                    return

    def _stream(self, outbox, queued: list) -> None:
        stream = outbox.stream(self._messages(outbox, queued))
        reason = None
        try:
            for envelope, result in stream:
                self._judge(envelope.key, result)
        except RelayDown as error:
            reason = str(error)[:500]  # the rows not handed over wait for the relay
            raise
        except _Paused:  # refused at MAIL FROM or the login: the untried rows are given back
            self.rest = []
        finally:
            stream.close()  # the replies to data already out are read into `late`
            late, outbox.late = outbox.late, []
            for envelope, result in late:
                self._late(envelope.key, result)
            done = {outcome[0] for outcome in self.outcomes}
            self._flush(sorted(self.claimed - done), reason)

    def _messages(self, outbox, queued: list):
        """The envelopes, a claimed group at a time; a message that cannot be made fails its
        delivery alone (Poison). Ends early when the campaign is no longer sending, or
        before a long wait for the quota (`rest` and `pause` say what is left, how long)."""
        settings, signer = self.settings, self.signer
        quota = quota_for(settings.send_rate_per_second, settings.send_rate_per_hour,
                          settings.redis_url)  # the process's, shared by its batches
        url = self.conn.engine.url.render_as_string(hide_password=False)
        # The messages of the group before still in flight when a claim is made, and the
        # claim: never more than GROUP rows of this batch in `sending`.
        claim = max(GROUP - outbox.ahead, 1)
        for start in range(0, len(queued), claim):
            if not self._sending():
                return
            group = queued[start:start + claim]
            # The slots taken before the claim, so that a claim lasts only the SMTP time.
            for taken in range(len(group)):
                while (delay := quota.take()) > 0:
                    if delay > LONG_WAIT:  # the group's slots taken are used, then a pause
                        self.rest, self.pause = queued[start + taken:], delay
                        group = group[:taken]
                        break
                    if not self._wait(delay):
                        return
                if self.rest:
                    break
            if not group:
                return
            claimed = self.ledger.claim([delivery.id for delivery in group], self.outcomes)
            self._recorded()
            self.claimed |= claimed
            for delivery in group:
                if delivery.id in claimed:
                    envelope = self._envelope(outbox, signer, url, delivery)
                    if envelope is not None:
                        yield envelope
            if self.rest:
                return

    def _sending(self) -> bool:
        """Whether the campaign is still sending, read at most every CHECK_SECONDS."""
        if time.monotonic() - self.checked <= CHECK_SECONDS:
            return True
        self.checked = time.monotonic()
        return self.ledger.campaign_state(self.campaign_id) == CampaignState.SENDING

    def _wait(self, seconds: float) -> bool:
        """Sleep `seconds`, looking at the campaign's state every CHECK_SECONDS; False, at
        once, when it is paused or cancelled."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(left, CHECK_SECONDS))
            if not self._sending():
                return False
        return self._sending()

    def _envelope(self, outbox, signer, url: str, delivery) -> Envelope | None:
        """The delivery's message, built and signed in this thread, or None: a poison
        message. Signing here, in the batch's thread: `cryptography` lets go of the GIL
        while it signs, so the other batch's thread runs meanwhile (a signing thread or
        signing processes of the worker's own, fed through pipes, sent no faster in
        bench/send.py: what they freed, the hand-over spent)."""
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
