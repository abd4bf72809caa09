"""Campaigns and their deliveries: the database is the truth about who got what.

A delivery row exists once per (campaign, subscriber), enforced by a unique constraint.
Its state moves queued → sending → sent | failed | skipped; a row left in `sending` by a
killed worker is `unknown` (the relay may have accepted it), and is never sent again.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from mailer.db import Base, UtcDateTime, utcnow


class CampaignState(enum.StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


LIVE_STATES = (CampaignState.SCHEDULED, CampaignState.SENDING, CampaignState.PAUSED)
LIVE_ISSUE = "NOT test AND state IN ({})".format(", ".join(f"'{s}'" for s in LIVE_STATES))


class DeliveryState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # unsubscribed or suppressed after the campaign was planned
    UNKNOWN = "unknown"  # a worker died during the SMTP transaction: never re-sent


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100))  # the issue file's name: 091-final
    # The issue's number (`number:` in its file): campaigns of one number are one issue,
    # whatever their files were called. None for a campaign from before it was recorded
    # whose number could not be read back (workers.audience.of_issue uses the slug then).
    number: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=CampaignState.SENDING)
    test: Mapped[bool] = mapped_column(default=False)
    test_recipients: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Checkpoint of the planning pass: subscribers up to this id have their delivery row.
    planned_upto: Mapped[int] = mapped_column(default=0)
    planned: Mapped[bool] = mapped_column(default=False)
    # The relay is unavailable (refused or dropped connections, 421): since when, its last
    # answer, how many tries in a row failed, and when the campaign tries again. Cleared by
    # the first message the relay accepts.
    relay_down_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    relay_reply: Mapped[str | None] = mapped_column(String(500))
    relay_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    relay_retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Why the campaign paused itself (mailer.bounces.breaker); cleared on resume.
    pause_reason: Mapped[str | None] = mapped_column(String(500))
    # The circuit breaker's counts, shared by every worker sending the campaign (see
    # mailer.bounces.breaker), since `breaker_since` (the launch, then each resume):
    # refusals that were not the address's since the last acceptance anywhere, all such
    # refusals, and every answer (acceptances and refusals).
    breaker_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    breaker_streak: Mapped[int] = mapped_column(default=0, server_default="0")
    breaker_refused: Mapped[int] = mapped_column(default=0, server_default="0")
    breaker_seen: Mapped[int] = mapped_column(default=0, server_default="0")
    # Refusals that said the address does not exist, since the last acceptance anywhere.
    breaker_hard: Mapped[int] = mapped_column(default=0, server_default="0")

    # One live campaign per issue number, enforced by the database: of two launches in the
    # same instant (a double click, two terminals, two files of one issue) the second
    # fails instead of mailing twice. A partial index: its condition is given as the table
    # is created (_live_issue_only), in the dialect creating it.
    __table_args__ = (Index("uq_campaign_live_issue", "number", unique=True),)


@event.listens_for(Campaign.__table__, "before_create")
def _live_issue_only(table, connection, **_) -> None:
    """The live-issue index's WHERE, for the dialect that creates the table (SQLite's or
    PostgreSQL's; the migrations write it too). Written in the Index as `postgresql_where`,
    it made SQLAlchemy load PostgreSQL's dialect in every process, on SQLite too (5-7 %
    of the imports of `infolettre send` before its first message)."""
    index = next(index for index in table.indexes if index.name == "uq_campaign_live_issue")
    index.dialect_options[connection.dialect.name]["where"] = text(LIVE_ISSUE)


class CampaignEdition(Base):
    """The rendered issue in one language, stored once so every worker sends the same."""

    __tablename__ = "campaign_edition"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    subject: Mapped[str] = mapped_column(String(300))
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    web_html: Mapped[str] = mapped_column(Text)  # served by the public archive


class Delivery(Base):
    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int | None] = mapped_column(Integer)  # None for test sends
    email: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    reply: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utcnow, onupdate=utcnow
    )

    __table_args__ = (
        # One message per subscriber and campaign; test sends (no subscriber) once per
        # address and language.
        UniqueConstraint("campaign_id", "subscriber_id"),
        UniqueConstraint("campaign_id", "email", "language"),
        Index("ix_delivery_campaign_state_id", "campaign_id", "state", "id"),
    )
