"""Every message read from the bounce mailbox or a webhook, once: its key is unique, so a
poller that dies after its database commit and before moving the message does nothing
twice when it reads the message again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mailer.db import Base, UtcDateTime, utcnow


class BounceEvent(Base):
    __tablename__ = "bounce_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Message-ID or a digest. Unique and set by us: also what orders a batch of inserts
    # (RETURNING), so that a report naming many addresses is one INSERT, not one each.
    key: Mapped[str] = mapped_column(String(300), unique=True, insert_sentinel=True)
    source: Mapped[str] = mapped_column(String(20))  # imap, smtp, or the provider's name
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow,
                                                  index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    recipient: Mapped[str | None] = mapped_column(String(320))
    domain: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(300))  # the diagnostic words
    # Why it was held, weakened or reviewed: codes (mailer.bounces.notes); None before them,
    # their English words then in `reason`.
    notes: Mapped[list | None] = mapped_column(JSON)
    cause: Mapped[str | None] = mapped_column(String(30))  # mailer.bounces.reasons.Reason
    fault: Mapped[str | None] = mapped_column(String(12))  # recipient, sender, path
    campaign_id: Mapped[int | None] = mapped_column(Integer, index=True)
    subscriber_id: Mapped[int | None] = mapped_column(Integer, index=True)
    raw: Mapped[str | None] = mapped_column(Text)  # kept for bounce_keep_days, then cleared


class WebhookProof(Base):
    """A provider's one-time proof (Mailgun's token, an SNS signature), kept for as long as
    the provider's freshness window: the same proof presented again is a replay."""

    __tablename__ = "webhook_proof"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # "<provider>:<proof>"
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
