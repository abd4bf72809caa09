"""`infolettre subscribers import|export|count|erase`."""

from __future__ import annotations

import csv
import sys
from functools import partial
from pathlib import Path

import click
from sqlalchemy import func, select

from mailer import db
from mailer.errors import UserError
from mailer.settings import get_settings
from subscribers.csv_import import import_csv
from subscribers.models import Subscriber
from subscribers.service import erase as erase_subscriber


@click.group("subscribers")
def subscribers() -> None:
    """The list: import, export, count, erase."""


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Import FILE.csv (columns email, language, name, consent_date, consent_source).

    Rows without a consent date become pending; addresses already on the list are left
    as they are, so importing the same file twice changes nothing.
    """
    db.upgrade()
    try:
        report = import_csv(partial(db.session_scope, get_settings().db_url), file)
    except (ValueError, UnicodeDecodeError, csv.Error) as error:
        raise UserError(str(error)) from error
    for line, reason in report.errors:
        click.echo(f"{file}:{line}: {reason}", err=True)
    click.echo(
        f"{file}: {report.subscribed} subscribed, {report.pending} pending (no consent), "
        f"{report.unchanged} already on the list or suppressed, {len(report.errors)} rejected"
    )
    if report.errors:
        sys.exit(1)


@subscribers.command("export")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
def export_command(output) -> None:
    """Every field of every subscriber, as CSV (streamed)."""
    columns = [column.key for column in Subscriber.__table__.columns]
    writer = csv.writer(output)
    writer.writerow(columns)
    with db.session_scope(get_settings().db_url) as session:
        rows = session.execute(
            select(*Subscriber.__table__.columns).order_by(Subscriber.id).execution_options(
                yield_per=1000
            )
        )
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])


@subscribers.command("count")
def count_command() -> None:
    """How many subscribers, by status and language."""
    with db.session_scope(get_settings().db_url) as session:
        rows = session.execute(
            select(Subscriber.status, Subscriber.language, func.count())
            .group_by(Subscriber.status, Subscriber.language)
            .order_by(Subscriber.status, Subscriber.language)
        ).all()
    click.echo(f"{'status':<14}{'language':<10}{'count':>8}")
    for status, language, count in rows:
        click.echo(f"{status:<14}{language:<10}{count:>8}")
    click.echo(f"{'total':<24}{sum(row[2] for row in rows):>8}")


@subscribers.command("erase")
@click.argument("email")
def erase_command(email: str) -> None:
    """GDPR erasure: remove EMAIL's personal data; keep its hash so it stays suppressed."""
    with db.session_scope(get_settings().db_url) as session:
        found = erase_subscriber(session, email)
    if found:
        click.echo(f"erased {email}; its hash stays on the suppression list")
    else:
        click.echo(f"{email} was not on the list; suppressed anyway")
