"""Subscriber data: who is on the list, with which consent, and every change as an event."""

from __future__ import annotations

import contextlib
import enum
import hashlib
import unicodedata
from datetime import datetime

import idna
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mailer.db import Base, UtcDateTime, utcnow
from subscribers.tokens import new_link_key


def normalise_email(email: str) -> str:
    """The form an address is stored and compared in: trimmed, NFC, its domain in Unicode
    (IDNA 2008, RFC 5891: `xn--bcher-kva` is `bücher`), lower case; what check_email gives
    a valid address. Every lookup and hash goes through it, so that an erasure, a
    suppression or a bounce written `Lea@XN--BCHER-KVA.example`, or with a decomposed `é`
    (NFD, as macOS writes), finds `lea@bücher.example` instead of missing it.

    One letter keeps its capital before the @: the Turkish İ (U+0130), the one letter whose
    lower case is longer ('İ'.lower() is 'i' + U+0307, a combining dot). Lowered, the
    address we mailed was another one than the person gave (`i̇lker@…` for `İlker@…`), a
    byte longer than the 64 checked, and a report naming it lost the person (the dot is no
    word character). `i` + U+0307 typed as such is read as İ: the same person, as before."""
    email = unicodedata.normalize("NFC", email.strip())
    local, at, domain = email.rpartition("@")
    if at and "xn--" in domain.lower():
        with contextlib.suppress(idna.IDNAError, UnicodeError):
            domain = idna.decode(domain.lower())
    # The domain keeps 'i' + U+0307: what IDNA (UTS 46) maps İ to, so the name looked up.
    return f"{local.lower().replace(_DOTTED_I, _CAPITAL_DOTTED_I)}{at}{domain.lower()}"


_DOTTED_I, _CAPITAL_DOTTED_I = "i\u0307", "\u0130"


def email_hash(email: str) -> str:
    """What stays of an erased or suppressed address: enough to refuse it again, no more.
    Hashed lowered whole, as before the İ kept its capital, so that a suppression recorded
    then holds (and no other address's hash changed)."""
    return hashlib.sha256(normalise_email(email).lower().encode()).hexdigest()


class Status(enum.StrEnum):
    PENDING = "pending"
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class EventKind(enum.StrEnum):
    SIGNED_UP = "signed_up"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    RESUBSCRIBED = "resubscribed"
    LANGUAGE_CHANGED = "language_changed"
    NAME_CHANGED = "name_changed"  # by a staff member, on the person's request
    BOUNCED = "bounced"
    DELAYED = "delayed"  # a delay notice: recorded, counts nothing
    REFUSED = "refused"  # refused for the sender's or the path's reasons: counts nothing
    COMPLAINED = "complained"
    IMPORTED = "imported"
    ERASED = "erased"
    NOT_SENT = "not_sent"  # the confirmation email could not be sent; the reason in detail


class Subscriber(Base):
    __tablename__ = "subscriber"

    # Never given again (AUTOINCREMENT on SQLite; a sequence on PostgreSQL): an id names
    # one person for good.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored normalised (lower case), so a plain unique index is case-insensitive.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=Status.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utcnow, onupdate=utcnow
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # Consent: when, from which form or import, from which IP, with which wording.
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    consent_source: Mapped[str | None] = mapped_column(String(200))
    consent_ip: Mapped[str | None] = mapped_column(String(64))
    consent_text: Mapped[str | None] = mapped_column(Text)

    # Bounce score (Mailman-like): at most one point a day, reset when stale.
    bounce_score: Mapped[float] = mapped_column(default=0.0)
    last_bounce_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # Every signed link is bound to this key (subscribers/tokens.py); it goes with the row at
    # erasure, so the person's old links act on nobody.
    link_key: Mapped[str] = mapped_column(String(32), default=new_link_key)
    # Subscribers from before link keys: their emails' unkeyed links still unsubscribe them.
    legacy_links: Mapped[bool] = mapped_column(default=False, server_default=false())

    events: Mapped[list[SubscriberEvent]] = relationship(
        back_populates="subscriber", order_by="SubscriberEvent.id"
    )

    __table_args__ = (Index("ix_subscriber_status_id", "status", "id"),
                      {"sqlite_autoincrement": True})


class SubscriberEvent(Base):
    """The log of every change to a subscriber (kept, minus personal data, after erasure)."""

    __tablename__ = "subscriber_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriber.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())
    detail: Mapped[dict | None] = mapped_column(JSON)
    campaign_id: Mapped[int | None] = mapped_column(Integer, index=True)

    subscriber: Mapped[Subscriber | None] = relationship(back_populates="events")


class ErasedLink(Base):
    """What tells an erased person's old links from forged ones: their id and link key,
    random values that name nobody once the row, the address and the log's link to them
    are gone. A link is taken for theirs only when its signature checks with the key, so
    a forged one learns nothing of which ids were erased (subscribers/web_links.py)."""

    __tablename__ = "erased_link"

    subscriber_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    link_key: Mapped[str] = mapped_column(String(32))
    legacy_links: Mapped[bool] = mapped_column(default=False, server_default=false())


class Suppression(Base):
    """Addresses never to be mailed again (erased, hard-bounced, complained), by hash only."""

    __tablename__ = "suppression"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
