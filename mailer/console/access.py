"""Who may do what: argon2 password hashes, the login session, roles, the audit log."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer.console.models import AuditEntry, Role, StaffMember
from subscribers.models import normalise_email, utcnow

hasher = PasswordHasher()
# Verifying against this when the address is unknown takes as long as a real check, so
# the answer's timing does not tell which addresses are staff.
_DUMMY = hasher.hash("not a password")


def add_staff(db_session: Session, email: str, password: str, role: Role) -> StaffMember:
    member = StaffMember(email=normalise_email(email), password_hash=hasher.hash(password),
                         role=role.name.lower())
    db_session.add(member)
    return member


def check_login(db_session: Session, email: str, password: str) -> StaffMember | None:
    member = db_session.scalar(select(StaffMember).where(
        StaffMember.email == normalise_email(email)))
    try:
        hasher.verify(member.password_hash if member else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if member is None:
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
                if member is None:
                    return redirect(url_for("console.login", next=request.path))
                if member.level < role:
                    abort(403)
                g.staff = {"id": member.id, "email": member.email, "role": member.role,
                           "language": member.language}
            return view(*args, **kwargs)

        return wrapper

    return decorate
