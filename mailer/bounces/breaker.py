"""The relay's refusals during a send: judged like bounce reports, and a circuit breaker.

Every refusal is classified (mailer.bounces.reasons) and recorded as a bounce of its
campaign (source `smtp`), so a refusal at send time and a later report count alike
everywhere; the policy then changes the subscriber only for a permanent failure of the
address itself.

The breaker pauses the campaign, with the reason, when the refusals are the sender's or the
path's: `breaker_in_a_row` of them in a row, `breaker_share` of a batch, a refused
MAIL FROM or a failed login (a wrong relay password, an unauthorised sending address, a
blocked IP, a DKIM mistake). Nobody's status changes for them, and the deliveries they
refused go back to the queue, so that resume goes on exactly where it stopped.
"""

from __future__ import annotations

import logging
import smtplib

from sqlalchemy import Connection, update

from mailer.bounces import classify
from mailer.bounces.pause import PauseReason
from mailer.bounces.reasons import Fault
from mailer.settings import Settings

log = logging.getLogger(__name__)


class Guard:
    """One batch's watch over the relay's answers (one per send_batch call)."""

    def __init__(self, settings: Settings, conn: Connection, campaign_id: int) -> None:
        self.settings, self.conn, self.campaign_id = settings, conn, campaign_id
        self.in_a_row = self.seen = 0
        self.refused_ids: list[int] = []  # refused for the sender's or the path's reasons

    def accepted(self) -> None:
        self.in_a_row = 0
        self.seen += 1

    def refused(self, delivery, reply: str) -> bool:
        """Record a 5xx refusal of `delivery` (a row with id, subscriber_id, email) as a
        bounce; True when the campaign has just been paused and the batch must stop."""
        finding = classify.from_reply(reply)
        finding.recipient = delivery.email
        finding.campaign_id, finding.subscriber_id = self.campaign_id, delivery.subscriber_id
        record_refusal(delivery.id, finding)
        self.seen += 1
        if finding.fault == Fault.RECIPIENT:
            return False
        self.in_a_row += 1
        self.refused_ids.append(delivery.id)
        share = len(self.refused_ids) / self.seen
        settings = self.settings
        if self.in_a_row >= settings.breaker_in_a_row:
            why = PauseReason("in_a_row", {"count": self.in_a_row, "cause": finding.cause},
                              reply)
        elif self.seen >= settings.breaker_min_batch and share >= settings.breaker_share:
            why = PauseReason("share", {"count": len(self.refused_ids), "seen": self.seen,
                                        "cause": finding.cause}, reply)
        else:
            return False
        self.trip(why)
        return True

    def stops(self, error: Exception) -> bool:
        """A temporary failure that no retry will cure: the relay refused our MAIL FROM
        for good, or the login failed. Pauses the campaign; True if it did."""
        cause = error.__cause__ or error
        if isinstance(cause, smtplib.SMTPAuthenticationError):
            why = PauseReason("login", {}, str(cause))
        elif getattr(error, "stage", None) == "mail" and str(error).startswith("5"):
            finding = classify.from_reply(str(error))
            why = PauseReason("sender_refused", {"cause": finding.cause}, str(error))
        else:
            return False
        self.trip(why)
        return True

    def trip(self, why: PauseReason) -> None:
        """Pause the campaign with `why` (kept as a code, shown in each reader's language:
        mailer.bounces.pause), and queue again what the relay refused for it."""
        from workers.models import Campaign, CampaignState, Delivery, DeliveryState

        log.warning("campaign %s paused: %s", self.campaign_id, why)
        self.conn.execute(
            update(Campaign).where(Campaign.id == self.campaign_id,
                                   Campaign.state == CampaignState.SENDING)
            .values(state=CampaignState.PAUSED, pause_reason=why.stored()))
        if self.refused_ids:
            self.conn.execute(
                update(Delivery).where(Delivery.id.in_(self.refused_ids),
                                       Delivery.state == DeliveryState.FAILED)
                .values(state=DeliveryState.QUEUED))
        self.conn.commit()


def record_refusal(delivery_id: int, finding: classify.Finding) -> None:
    """The refusal as a bounce event of its campaign, once per delivery attempt."""
    from mailer.bounces.process import record
    from mailer.db import session_scope

    with session_scope() as session:
        key = f"smtp:{finding.campaign_id}:{delivery_id}:{finding.status or ''}"
        attempt = 1
        while session.scalar(_exists(key, attempt)):
            attempt += 1
        record(session, f"{key}:{attempt}", finding, "smtp", None)
        session.commit()


def _exists(key: str, attempt: int):
    from sqlalchemy import select

    from mailer.bounces.models import BounceEvent

    return select(BounceEvent.id).where(BounceEvent.key == f"{key}:{attempt}")
