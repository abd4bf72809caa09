"""Staff accounts from the command line: `staff add` (the first admin; the others can be
added in the console) and `staff password` (when the last admin forgot theirs)."""

from __future__ import annotations

import click
from sqlalchemy.exc import IntegrityError

from mailer import db
from mailer.console.access import WeakPassword, add_staff, audit, find_staff, set_password
from mailer.console.models import Role
from mailer.errors import UserError
from subscribers.validation import InvalidInput, check_email


@click.group("staff")
def staff() -> None:
    """Accounts of the staff console."""


def _an_address(ctx, param, email: str) -> str:
    """The address, checked before the password is asked for (twice)."""
    try:
        return check_email(email)
    except InvalidInput as error:
        raise UserError(f"EMAIL: {error.detail}") from None


@staff.command("add")
@click.argument("email", callback=_an_address)
@click.option("--role", type=click.Choice(["editor", "sender", "admin"]), required=True)
@click.password_option(help="Asked for when not given (typed twice).")
def add(email: str, role: str, password: str) -> None:
    db.upgrade()
    try:
        with db.session_scope() as session:
            member = add_staff(session, email, password, Role[role.upper()])
            audit(session, "command line", "staff added", email=member.email, role=role)
    except WeakPassword as error:
        raise UserError(f"--password: {error}") from None
    except IntegrityError:
        raise UserError(f"{email}: already a staff member") from None
    click.echo(f"{email}: {role}")


def _a_member(ctx, param, email: str) -> str:
    """The address of an existing member, checked before the password is asked for (typing
    a new password twice to learn the address was mistyped is a waste)."""
    db.upgrade()
    with db.session_scope() as session:
        if find_staff(session, email) is None:
            raise UserError(f"{email}: no such staff member")
    return email


@staff.command("password")
@click.argument("email", callback=_a_member)
@click.password_option(help="Asked for when not given (typed twice).")
def password(email: str, password: str) -> None:
    """Set a member's password (for instance the last admin's, forgotten); ends their
    sessions and enables the account again."""
    db.upgrade()
    with db.session_scope() as session:
        member = find_staff(session, email)
        if member is None:
            raise UserError(f"{email}: no such staff member")
        try:
            set_password(member, password)
        except WeakPassword as error:
            raise UserError(f"--password: {error}") from None
        member.disabled_at = None
        audit(session, "command line", "password set", email=member.email)
    click.echo(f"{email}: password set")
