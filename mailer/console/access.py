"""Who may do what: argon2 password hashes, the login session, roles, the audit log."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailer.console.models import AuditEntry, Role, StaffMember
from subscribers.models import normalise_email, utcnow

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
                         role=role.name.lower(), language=language, session_epoch=0)
    db_session.add(member)
    return member


def set_password(member: StaffMember, password: str) -> None:
    """A new password; the member's other sessions end."""
    member.password_hash = _hash(password)
    member.session_epoch += 1


def set_role(member: StaffMember, role: Role) -> None:
    if member.level != role:
        member.role = role.name.lower()
        member.session_epoch += 1


def set_disabled(member: StaffMember, disabled: bool) -> None:
    member.disabled_at = utcnow() if disabled else None
    member.session_epoch += 1


def active_admins(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).where(
        StaffMember.role == Role.ADMIN.name.lower(), StaffMember.disabled_at.is_(None)))


def open_session(member: StaffMember) -> None:
    """The signed cookie of a signed-in member: who, and the epoch it is valid for."""
    session.clear()
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME without a request
    session["staff_id"] = member.id
    session["epoch"] = member.session_epoch


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

            staff_id = session.get("staff_id")
            with db.session_scope() as db_session:
                member = db_session.get(StaffMember, staff_id) if staff_id else None
                if member is None or member.disabled_at is not None or \
                        session.get("epoch") != member.session_epoch:
                    session.clear()
                    return redirect(url_for("console.login", next=request.path))
                g.staff = {"id": member.id, "email": member.email, "role": member.role,
                           "language": member.language}
                if member.level < role:
                    abort(403)  # after g.staff: the refusal is a console page in their language
            return view(*args, **kwargs)

        return wrapper

    return decorate
