"""The relay's refusals during a send: judged like bounce reports, and a circuit breaker.

Every refusal is classified (mailer.bounces.reasons) and recorded as a bounce of its
campaign (source `smtp`), so a refusal at send time and a later report count alike
everywhere; the policy then changes the subscriber only for a permanent failure of the
address itself.

The breaker pauses the campaign, with the reason, when the refusals are not the address's
(the sender's, the path's, or said in words we do not know): `breaker_in_a_row` of them
with no acceptance between, `breaker_share` of the campaign's answers once it has
`breaker_min_batch` of them, a refused MAIL FROM or a failed login (a wrong relay
password, an unauthorised sending address, a blocked IP, a DKIM mistake).

The counts are the campaign's, kept in its row and shared by every worker process and
batch (a whole list refused in batches of three, or by two workers taking turns, trips as
surely as one long batch) and they outlive a worker's restart. The happy path writes them
at most once a `FLUSH_SECONDS` per worker; a refusal writes them at once. When it trips,
every delivery refused since the counts began (by any worker) goes back to the queue, and
nobody's status changes, so that resume goes on exactly where it stopped.
"""

from __future__ import annotations

import logging
import re
import smtplib
import time

from sqlalchemy import Connection, select, update

from mailer.bounces import classify
from mailer.bounces.pause import PauseReason
from mailer.bounces.reasons import Fault
from mailer.db import utcnow
from mailer.settings import Settings

log = logging.getLogger(__name__)
# Acceptances are added to the campaign's counts at most this often per worker (seconds),
# or at the next refusal, or at once when this worker knows of a streak to end.
FLUSH_SECONDS = 1.0
_REFUSAL = re.compile(r"^\s*5\d\d\b")  # a relay's 5xx as stored in a delivery's reply


class Guard:
    """One batch's watch over the relay's answers, on the campaign's shared counts."""

    def __init__(self, settings: Settings, conn: Connection, campaign_id: int) -> None:
        self.settings, self.conn, self.campaign_id = settings, conn, campaign_id
        self.answers = self.accepts = 0  # not yet added to the campaign's counts
        self.flushed_at = time.monotonic()
        from workers.models import Campaign

        # A streak that this worker's next acceptance ends (one read per batch).
        self.last_hard_domain: str | None = None
        self.streak_known = bool(conn.scalar(
            select(Campaign.breaker_streak).where(Campaign.id == campaign_id)))
        conn.commit()

    def accepted(self) -> None:
        self.answers += 1
        self.accepts += 1
        if self.streak_known or time.monotonic() - self.flushed_at > FLUSH_SECONDS:
            self._count(refused=False)

    def refused(self, delivery, reply: str) -> bool:
        """Record a 5xx refusal of `delivery` (a row with id, subscriber_id, email) as a
        bounce; True when the campaign is paused (by this refusal, another worker or staff)
        and the batch must stop."""
        finding = classify.from_reply(reply)
        finding.recipient = delivery.email
        finding.campaign_id, finding.subscriber_id = self.campaign_id, delivery.subscriber_id
        record_refusal(delivery.id, finding)
        self.answers += 1
        hard = finding.kind == classify.HARD
        if finding.fault == Fault.RECIPIENT and not hard:
            return False
        if hard:  # a dead old domain's addresses in a row are believable: domains must vary
            if finding.domain == self.last_hard_domain:
                return False
            self.last_hard_domain = finding.domain
        counts = self._count(refused=not hard, hard=hard)
        from workers.models import CampaignState

        if counts.state != CampaignState.SENDING:  # paused meanwhile: give this row back
            self._requeue(None, only=delivery.id)
            return True
        settings = self.settings
        if counts.breaker_hard >= settings.breaker_hard_in_a_row:
            self.trip(PauseReason("hard_in_a_row", {"count": counts.breaker_hard}, reply),
                      restore=True)
            return True
        if hard:
            return False
        if counts.breaker_streak >= settings.breaker_in_a_row:
            why = PauseReason("in_a_row", {"count": counts.breaker_streak,
                                           "cause": finding.cause}, reply)
        elif counts.breaker_seen >= settings.breaker_min_batch and \
                counts.breaker_refused >= settings.breaker_share * counts.breaker_seen:
            why = PauseReason("share", {"count": counts.breaker_refused,
                                        "seen": counts.breaker_seen,
                                        "cause": finding.cause}, reply)
        else:
            return False
        self.trip(why)
        return True

    def _count(self, refused: bool, hard: bool = False):
        """Add what this worker saw to the campaign's counts; their new values (with the
        campaign's state) after a refusal (`refused`: not the address's; `hard`: the
        address's own, final)."""
        from workers.models import Campaign

        values = {"breaker_seen": Campaign.breaker_seen + self.answers}
        if refused:
            values |= {"breaker_refused": Campaign.breaker_refused + 1,
                       "breaker_streak": (1 if self.accepts else Campaign.breaker_streak + 1)}
        elif hard:
            values["breaker_hard"] = 1 if self.accepts else Campaign.breaker_hard + 1
        if self.accepts:
            values.setdefault("breaker_streak", 0)
            values.setdefault("breaker_hard", 0)
        statement = update(Campaign).where(Campaign.id == self.campaign_id).values(values)
        counts = None
        if refused or hard:
            counts = self.conn.execute(statement.returning(
                Campaign.state, Campaign.breaker_streak, Campaign.breaker_refused,
                Campaign.breaker_seen, Campaign.breaker_hard)).one()
        else:
            self.conn.execute(statement)
        self.conn.commit()
        self.answers = self.accepts = 0
        self.flushed_at = time.monotonic()
        self.streak_known = refused or hard
        return counts

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

    def trip(self, why: PauseReason, restore: bool = False) -> None:
        """Pause the campaign with `why` (kept as a code, shown in each reader's language:
        mailer.bounces.pause), and queue again what the relay refused for it (whichever
        worker met the refusal) since its counts began; with `restore`, also what it
        refused as the addresses' own fault, their subscribers restored."""
        from workers.models import Campaign, CampaignState

        log.warning("campaign %s paused: %s", self.campaign_id, why)
        self.conn.execute(
            update(Campaign).where(Campaign.id == self.campaign_id,
                                   Campaign.state == CampaignState.SENDING)
            .values(state=CampaignState.PAUSED, pause_reason=why.stored()))
        self.conn.commit()
        since = self.conn.scalar(
            select(Campaign.breaker_since).where(Campaign.id == self.campaign_id))
        if restore:
            _restore(self.campaign_id, since)
        self._requeue(since, everyone=restore)

    def _requeue(self, since, only: int | None = None, everyone: bool = False) -> None:
        """failed → queued for the refusals that were not the address's (a 5xx reply whose
        words do not blame the address; `everyone`: any 5xx): the refused one `only`, or
        all since `since`."""
        from workers.models import Delivery, DeliveryState

        query = select(Delivery.id, Delivery.reply).where(
            Delivery.campaign_id == self.campaign_id, Delivery.state == DeliveryState.FAILED)
        if only is not None:
            query = query.where(Delivery.id == only)
        elif since is not None:
            query = query.where(Delivery.updated_at >= since)
        ids = [row.id for row in self.conn.execute(query)
               if _REFUSAL.match(row.reply or "")
               and (everyone or classify.from_reply(row.reply).fault != Fault.RECIPIENT)]
        if ids:
            self.conn.execute(update(Delivery).where(Delivery.id.in_(ids),
                                                     Delivery.state == DeliveryState.FAILED)
                              .values(state=DeliveryState.QUEUED))
        self.conn.commit()


def restart_counts() -> dict:
    """The values that start the breaker's counts again (at a resume)."""
    return {"breaker_since": utcnow(), "breaker_streak": 0, "breaker_refused": 0,
            "breaker_seen": 0, "breaker_hard": 0}


def _restore(campaign_id: int, since) -> None:
    """The subscribers that the relay's refusals of this campaign suppressed since `since`,
    subscribed again (mailer.bounces.undo, audited as the circuit breaker's)."""
    from mailer.bounces import undo
    from mailer.db import session_scope

    scope = undo.Scope(campaign_id=campaign_id, since=since)
    with session_scope() as session:
        undo.restore(session, undo.suppressed(session, scope), "circuit breaker", scope)
        session.commit()


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
