"""`infolettre staff add|list`: accounts for the staff console."""

from __future__ import annotations

import click
from sqlalchemy import select

from mailer import db
from mailer.console.models import Role, StaffMember
from mailer.console.staff import add_staff


@click.group()
def staff() -> None:
    """Staff console accounts."""


@staff.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.password_option(envvar="INFOLETTRE_STAFF_PASSWORD", help="Prompted when not given.")
def add(email: str, role: str, language: str, password: str) -> None:
    """Create a staff account (editor: preview and test; sender: launch; admin: staff)."""
    with db.session_scope() as session:
        member = add_staff(session, email, password, role, language)
        click.echo(f"staff {member.email} added as {member.role}")


@staff.command("list")
def list_() -> None:
    """Every staff account with its role."""
    with db.session_scope() as session:
        for member in session.scalars(select(StaffMember).order_by(StaffMember.email)):
            click.echo(f"{member.email}\t{member.role}\t{member.language}")
