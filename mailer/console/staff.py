"""Staff accounts: argon2 password hashes, checking a login, and the audit log."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer.console.models import AuditEntry, Role, StaffMember
from mailer.errors import UserError
from subscribers.models import normalise_email, utcnow

hasher = PasswordHasher()
MIN_PASSWORD = 10
# Checked against when the address is unknown, so that timing does not tell who has an account.
_DUMMY_HASH = hasher.hash("not a password of anyone")


def add_staff(session: Session, email: str, password: str, role: str, language: str = "fr"):
    email = normalise_email(email)
    if "@" not in email or "\n" in email:
        raise UserError(f"email: {email!r} is not an address")
    if role not in set(Role):
        raise UserError(f"role: {role!r} is not one of {', '.join(Role)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    if session.scalar(select(StaffMember).where(StaffMember.email == email)):
        raise UserError(f"email: {email} already has a staff account")
    member = StaffMember(
        email=email, password_hash=hasher.hash(password), role=role, language=language
    )
    session.add(member)
    session.flush()
    return member


def authenticate(session: Session, email: str, password: str) -> StaffMember | None:
    member = session.scalar(
        select(StaffMember).where(StaffMember.email == normalise_email(email))
    )
    try:
        hasher.verify(member.password_hash if member else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if member is None:
        return None
    if hasher.check_needs_rehash(member.password_hash):
        member.password_hash = hasher.hash(password)
    member.last_login_at = utcnow()
    return member


def audit(session: Session, member: StaffMember, action: str, target: str = "", **detail):
    session.add(
        AuditEntry(
            staff_id=member.id, staff_email=member.email, action=action,
            target=target[:300], detail=detail,
        )
    )


def recent_audit(session: Session, limit: int = 100) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
