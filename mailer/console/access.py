"""Who may do what: argon2 password hashes, the login session, roles, the audit log."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, object_session

from mailer.console.models import AuditEntry, Role, StaffMember, StaffSession
from mailer.db import utcnow
from mailer.settings import get_settings
from subscribers.models import normalise_email

hasher = PasswordHasher()
# Verifying against this when the address is unknown takes as long as a real check, so
# the answer's timing does not tell which addresses are staff.
_DUMMY = hasher.hash("not a password")
PASSWORD_MIN = 10


class WeakPassword(ValueError):
    """A password too short to be kept."""


def _hash(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise WeakPassword(f"{PASSWORD_MIN} characters at least")
    return hasher.hash(password)


def add_staff(db_session: Session, email: str, password: str, role: Role,
              language: str = "fr") -> StaffMember:
    member = StaffMember(email=normalise_email(email), password_hash=_hash(password),
                         role=role.name.lower(), language=language)
    db_session.add(member)
    return member


def set_password(member: StaffMember, password: str) -> None:
    """A new password; the member's sessions end (the caller opens a new one for itself)."""
    member.password_hash = _hash(password)
    end_sessions(member, "password")


def set_role(member: StaffMember, role: Role) -> None:
    if member.level != role:
        member.role = role.name.lower()
        end_sessions(member, "role")


def set_disabled(member: StaffMember, disabled: bool) -> None:
    member.disabled_at = utcnow() if disabled else None
    end_sessions(member, "disabled")


def end_sessions(member: StaffMember, reason: str) -> None:
    """End every open session of `member` now, saying why (shown at their next request)."""
    object_session(member).execute(
        update(StaffSession).where(StaffSession.staff_id == member.id,
                                   StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason))


def active_admins(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).where(
        StaffMember.role == Role.ADMIN.name.lower(), StaffMember.disabled_at.is_(None)))


_KEEP = timedelta(days=30)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(member: StaffMember) -> None:
    """A new server-side session for `member`, its random id in the signed cookie (a new id
    at every login: nothing planted before survives it). The previous session of this
    browser, if any, ends."""
    db_session = object_session(member)
    close_session(db_session, "logout")
    # Ended sessions are kept a while, to say why they ended; then they go.
    db_session.execute(delete(StaffSession).where(StaffSession.ended_at < utcnow() - _KEEP))
    session_id = secrets.token_urlsafe(32)
    db_session.add(StaffSession(id_hash=_digest(session_id), staff_id=member.id))
    session.clear()
    session.permanent = True  # the cookie expires after PERMANENT_SESSION_LIFETIME unused
    session["sid"] = session_id


def close_session(db_session: Session, reason: str) -> None:
    """End this browser's session on the server (logout) and forget the cookie."""
    session_id = session.get("sid")
    if isinstance(session_id, str):
        db_session.execute(update(StaffSession).where(
            StaffSession.id_hash == _digest(session_id), StaffSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason))
    session.clear()


# The last use of a session is written at most this often (one write a minute, not per page).
_TOUCH = timedelta(minutes=1)


class Ended(NamedTuple):
    """Why this browser's session ended, and in whose language to say it."""

    reason: str | None  # None: there was no session
    language: str | None = None


def _current(db_session: Session) -> StaffMember | Ended:
    """The member this browser's session belongs to, or why it ended."""
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return Ended(None)
    row = db_session.get(StaffSession, _digest(session_id))
    if row is None:
        return Ended("ended")
    member = db_session.get(StaffMember, row.staff_id)
    now = utcnow()
    if row.ended_at is None and member.disabled_at is not None:
        row.ended_at, row.end_reason = now, "disabled"
    if row.ended_at is None and \
            now - row.last_seen_at > timedelta(hours=get_settings().console_session_hours):
        row.ended_at, row.end_reason = now, "idle"
    if row.ended_at is not None:
        return Ended(row.end_reason or "ended", member.language)
    if now - row.last_seen_at > _TOUCH:
        row.last_seen_at = now
    return member


def signed_in_language() -> str | None:
    """The language of the member this browser is signed in as, read only (no session is
    touched or ended): for a page made before any view ran, such as a refusal of the
    request itself (mailer.web_errors)."""
    from mailer import db

    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return None
    with db.session_scope() as db_session:
        row = db_session.get(StaffSession, _digest(session_id))
        if row is None or row.ended_at is not None:
            return None
        member = db_session.get(StaffMember, row.staff_id)
        return member.language if member else None


def find_staff(db_session: Session, email: str) -> StaffMember | None:
    return db_session.scalar(select(StaffMember).where(
        StaffMember.email == normalise_email(email)))


def check_login(db_session: Session, email: str, password: str) -> StaffMember | None:
    member = find_staff(db_session, email)
    try:
        hasher.verify(member.password_hash if member else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if member is None or member.disabled_at is not None:
        return None
    if hasher.check_needs_rehash(member.password_hash):
        member.password_hash = hasher.hash(password)
    member.last_login_at = utcnow()
    return member


def audit(db_session: Session, actor: str, action: str, **detail) -> None:
    db_session.add(AuditEntry(staff_email=actor, action=action, detail=detail or None))


def requires(role: Role):
    """The view needs a logged-in staff member of at least `role` (403 below it)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            from mailer import db

            with db.session_scope() as db_session:
                member = _current(db_session)
                if isinstance(member, Ended):
                    session.clear()
                    # Why the session ended is said on the login page, in the member's
                    # language (a changed role, a new password, an idle session...).
                    return redirect(url_for("console.login", next=request.path,
                                            ended=member.reason, lang=member.language))
                g.staff = {"id": member.id, "email": member.email, "role": member.role,
                           "language": member.language}
                if member.level < role:
                    abort(403)  # after g.staff: the refusal is a console page in their language
            return view(*args, **kwargs)

        return wrapper

    return decorate
