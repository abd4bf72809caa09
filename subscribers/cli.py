"""`infolettre subscribers import|export|count|erase`."""

from __future__ import annotations

import shutil
import signal
import stat
import sys
import tempfile
import threading
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import click
from sqlalchemy import func, select

from mailer import db
from mailer.counting import grouped, how_many
from mailer.errors import UserError
from mailer.regular_file import kind_of
from mailer.settings import get_settings
from subscribers.csv_export import Form, export_chunks
from subscribers.csv_import import import_csv
from subscribers.csv_problems import FileRejected
from subscribers.models import Subscriber
from subscribers.service import erase as erase_subscriber
from subscribers.service import find_by_email
from subscribers.validation import InvalidInput, check_email

SEPARATOR_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars"}


@click.group("subscribers")
def subscribers() -> None:
    """The list: import, export, count, erase."""
    db.upgrade()  # a first command in a new folder finds the tables (no "no such table")


@contextmanager
def _seekable(file: Path):
    """`file`, or a temporary copy of it when it is a pipe (`import <(…)`, /dev/stdin): the
    import reads a file twice (every line checked before anything is saved), which a
    stream cannot be. Anything else (a device: /dev/zero would be copied till the disk is
    full; a terminal: a line awaited unasked) is refused."""
    mode = file.stat().st_mode
    if stat.S_ISREG(mode):
        yield file
        return
    if not stat.S_ISFIFO(mode):
        raise UserError(f"{file}: {kind_of(mode)}, not a file or a pipe: give the path of "
                        "the CSV file")
    with tempfile.NamedTemporaryFile(suffix=".csv") as copy:
        with file.open("rb") as stream:
            shutil.copyfileobj(stream, copy)
        copy.flush()
        yield Path(copy.name)


@contextmanager
def _interrupted():
    """An Event set by Ctrl-C, for the import to stop between two batches (each saved
    whole) and say how many rows it saved: a KeyboardInterrupt raised anywhere left an
    unknown number of rows saved and click's bare "Aborted!"."""
    asked = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda _signal, _frame: asked.set())
    try:
        yield asked
    finally:
        signal.signal(signal.SIGINT, previous)


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Import FILE.csv (columns email, language, name, consent_date, consent_source).

    UTF-8 or a spreadsheet's Windows-1252, `,` `;` or tab separated, English or French
    headers (`courriel;nom;langue;date_consentement`), dates as 2026-11-15 or 15/11/2026.
    Rows without a consent date become pending; addresses already on the list are left
    as they are, so importing the same file twice changes nothing. A file that cannot be
    read whole is rejected before anything is saved (exit 2); rejected rows exit 1.
    """
    try:
        with _seekable(file) as readable, _interrupted() as asked:
            report = import_csv(partial(db.session_scope, get_settings().db_url), readable,
                                name=file.name, stop=asked.is_set)
    except FileRejected as rejected:
        click.echo(rejected.problem.located(str(file)), err=True)
        raise UserError(f"{file}: rejected, nothing imported") from None
    for problem in report.errors:
        click.echo(problem.located(str(file)), err=True)
    if report.stopped_before:
        click.echo(f"{file}: interrupted at line {report.stopped_before}: "
                   f"{how_many(report.saved, 'row', 'rows')} saved, the rest not imported; "
                   "import the same file again to complete it (the rows saved are left "
                   "as they are)", err=True)
        sys.exit(130)  # 128 + SIGINT, as a shell says a Ctrl-C
    layout = report.layout
    kept_out = "".join(f", {grouped(count)} {words}" for count, words in (
        (report.unsubscribed, "kept unsubscribed"),
        (report.bounced, "kept as bounced and suppressed"),
        (report.complained, "kept as complained and suppressed")) if count)
    click.echo(  # every count grouped alike: "15,500 subscribed" beside "30,000 rows"
        f"{file}: {grouped(report.subscribed)} subscribed, {grouped(report.pending)} pending "
        f"(no consent), {grouped(report.unchanged)} already on the list or suppressed"
        f"{kept_out}, {grouped(len(report.errors))} rejected "
        f"({how_many(layout.rows, 'row', 'rows')}, "
        f"{layout.encoding_name}, "
        f"separated by {SEPARATOR_NAMES[layout.separator]})"
    )
    if report.errors:
        sys.exit(1)


@subscribers.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the file to write (default, or `-`: standard output)")
@click.option("--spreadsheet", is_flag=True,
              help="for a spreadsheet: a UTF-8 byte-order mark and times in the console's zone")
@click.option("--separator", type=click.Choice([",", ";", "tab"]), default=",",
              help="the separator (`;` for a French spreadsheet)")
def export_command(output: Path | None, spreadsheet: bool, separator: str) -> None:
    """Every subscriber as CSV (streamed); cells a spreadsheet would run as a formula are
    written with a leading `'`, which the import removes again."""
    form = Form(separator="\t" if separator == "tab" else separator, bom=spreadsheet,
                zone=get_settings().console_timezone if spreadsheet else None)
    if output == Path("-"):  # the usual name of standard output (it wrote a file named -)
        output = None
    try:
        stream = output.open("w", encoding="utf-8", newline="") if output else \
            click.get_text_stream("stdout", encoding="utf-8")
    except OSError as error:  # a folder that does not exist, no right to write
        raise click.FileError(str(output), hint=error.strerror or str(error)) from None
    with db.session_scope(get_settings().db_url) as session:
        for chunk in export_chunks(session, form):
            stream.write(chunk)
    stream.flush()
    if output:
        stream.close()


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
        if find_by_email(session, email) is None:
            # Not on the list: suppressed so that it never joins, but only a real address
            # (an empty or mistyped argument suppressed a hash of nothing, and said so).
            try:
                check_email(email)
            except InvalidInput as error:
                raise UserError(f"{email!r} is not an email address ({error.detail}): "
                                "nothing erased or suppressed") from None
        found = erase_subscriber(session, email)
    if found:
        click.echo(f"erased {email}; its hash stays on the suppression list")
    else:
        click.echo(f"{email} was not on the list; suppressed anyway")
