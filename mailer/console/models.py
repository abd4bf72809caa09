"""Staff accounts and the audit log of what each of them did."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mailer.db import Base, UtcDateTime, utcnow


class Role(enum.IntEnum):
    """Each role may do what the ones below it may."""

    EDITOR = 1  # preview, test sends
    SENDER = 2  # launch, pause, resume, cancel
    ADMIN = 3  # manage staff, erase subscribers


class StaffMember(Base):
    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    role: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(8), default="fr")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def level(self) -> Role:
        return Role[self.role.upper()]


class StaffSession(Base):
    """A signed-in browser, kept on the server: the cookie holds a random id whose digest is
    the key here, so ending the row (logout, password, role, disabling) ends the session at
    once, whatever copy of the cookie survives."""

    __tablename__ = "staff_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_member.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Why it ended, shown on the login page: logout, password, role, disabled, idle.
    end_reason: Mapped[str | None] = mapped_column(String(20))


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    staff_email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict | None] = mapped_column(JSON)


class IssueVersion(Base):
    """Every saved text of an issue file, with who saved it and when (the editor's
    history: any two compared, any one restored)."""

    __tablename__ = "issue_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue: Mapped[str] = mapped_column(String(100), index=True)  # the file name
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    staff_email: Mapped[str] = mapped_column(String(320))
    content: Mapped[str] = mapped_column(Text)


class IssueDraft(Base):
    """What one person has typed in the editor of one issue and not saved: kept while they
    type (not a version, not validated, not in the file), offered back when they open the
    editor again, gone once they save or discard it."""

    __tablename__ = "issue_draft"
    __table_args__ = (UniqueConstraint("issue", "staff_email", name="uq_issue_draft_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue: Mapped[str] = mapped_column(String(100))  # the file name; "new" for a new issue
    staff_email: Mapped[str] = mapped_column(String(320))
    base: Mapped[str] = mapped_column(String(64))  # the file's fingerprint it was begun on
    fields: Mapped[list] = mapped_column(JSON)  # the form's [name, value] pairs, in order
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
