"""Sending one batch of a campaign: a stream of messages to the relay (mailer.transport),
claimed a small group at a time (workers.batch).

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

from sqlalchemy import Connection, func, select, update

from mailer.bounces.breaker import Guard
from mailer.bounces.pause import PauseReason
from mailer.dkim import KEY_ERRORS, problem, signer_for
from mailer.settings import Settings
from mailer.transport import get_sender
from subscribers.models import Status, Subscriber
from workers.batch import MAX_ATTEMPTS, Batch, RelayDown
from workers.ledger import Ledger
from workers.models import Campaign, CampaignState, Delivery, DeliveryState

__all__ = ["MAX_ATTEMPTS", "Deferred", "RelayDown", "send_batch"]


class Deferred(Exception):
    """Some recipients' servers answered 4xx: their rows stay queued for a later try."""


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


def _key_failed(settings: Settings, conn: Connection, campaign_id: int,
                error: Exception) -> None:
    """The DKIM key went bad after the worker started (removed, made unreadable, replaced
    by a public key): every message would fail on it, so the campaign pauses with the
    setting, the file and what is wrong, before this batch claims anyone; the other
    batches stop at their next look, their untried rows queued again. Resumed once the
    key is mended, it goes on where it stopped (the key is read again: no restart)."""
    why = PauseReason("dkim_key", {"problem": problem(settings, error)})
    Guard(settings, conn, campaign_id).trip(why)


def send_batch(settings: Settings, conn: Connection, campaign_id: int, low: int,
               high: int) -> int:
    """Send the queued deliveries with ids in [low, high]; returns how many were sent.

    Raises RelayDown (the relay is unavailable: the rest of the batch waits, untouched)
    or, once the batch is through, Deferred (some recipients are to be tried again later)."""
    campaign = conn.execute(select(Campaign).where(Campaign.id == campaign_id)).one()
    if campaign.state != CampaignState.SENDING:
        return 0
    try:
        signer = signer_for(settings)  # read again if its file changed since the last batch
    except KEY_ERRORS as error:
        _key_failed(settings, conn, campaign_id, error)
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
    batch = Batch(settings, conn, campaign_id, ledger, campaign.relay_down_since is not None,
                  signer)
    try:
        batch.send(outbox, queued)
    finally:
        ledger.close()
        outbox.close()
    if batch.deferred:
        raise Deferred(f"{batch.deferred} recipient(s) to try again later")
    return batch.sent
