"""`infolettre staff add EMAIL --role editor|sender|admin`: accounts of the console."""

from __future__ import annotations

import click
from sqlalchemy.exc import IntegrityError

from mailer import db
from mailer.console.access import add_staff, audit
from mailer.console.models import Role
from mailer.errors import UserError


@click.group("staff")
def staff() -> None:
    """Accounts of the staff console."""


@staff.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["editor", "sender", "admin"]), required=True)
@click.password_option(help="Asked for when not given (typed twice).")
def add(email: str, role: str, password: str) -> None:
    if len(password) < 10:
        raise UserError("--password: 10 characters at least")
    db.upgrade()
    try:
        with db.session_scope() as session:
            member = add_staff(session, email, password, Role[role.upper()])
            audit(session, "command line", "staff added", email=member.email, role=role)
    except IntegrityError:
        raise UserError(f"{email}: already a staff member") from None
    click.echo(f"{email}: {role}")
