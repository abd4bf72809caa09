"""Importing a CSV list: each bad row reported, the good rows in; stopped halfway, it says so.

Two passes over the file, both streamed. The first reads it whole (encoding, RFC 4180
structure, header, the order of its dates) and saves nothing: any problem there rejects the
file with its line, so a bad byte on row 95,000 is found before row 1 is saved. The second
checks each row and saves BATCH rows per transaction (one transaction for a whole big
file would hold SQLite's write lock, and so every signup, for its whole length); stopped
between two, the import says how many rows were saved, and the same file imported again
completes it.

Running the same file twice changes nothing: an address already on the list (or
suppressed) is left as it is. A row without a consent date becomes pending, never
subscribed: only proven consent puts someone on the list; a `status` column (our own
export's) keeps a pending, unsubscribed or suppressed person so: a bounced or complained
row comes in with its status and on the suppression list, and is counted as such.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailer.db import utcnow
from mailer.settings import get_settings
from subscribers.csv_cells import restore
from subscribers.csv_dates import date_order
from subscribers.csv_problems import FileRejected, Problem
from subscribers.csv_read import (
    decoded_lines,
    detect_encoding,
    header_fields,
    header_row,
    records,
    sniff_separator,
)
from subscribers.csv_rows import Row, RowRejected, check_row
from subscribers.models import EventKind, Status, Subscriber, Suppression, email_hash
from subscribers.service import log_events, suppress

BATCH = 500
ACTIVE = (Status.SUBSCRIBED, Status.PENDING)
# Counted in the Report: a new row's status (Status values), or left as it was.
OUTCOMES = ("subscribed", "pending", "unsubscribed", "bounced", "complained", "unchanged")
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16",
                  "utf-16-le": "UTF-16", "utf-16-be": "UTF-16",
                  "cp1252": "Windows-1252", "iso8859_15": "ISO-8859-15",
                  "mac_roman": "Mac OS Roman", "cp850": "DOS (850)"}


@dataclass
class Layout:
    """What the first pass learnt of the file."""

    encoding: str
    separator: str
    fields: list[str | None]
    rows: int = 0
    headings: list[str] = field(default_factory=list)  # the header's cells, as written

    def heading(self, name: str) -> str:
        """The file's own heading of field `name` (`Date d'inscription` for consent_at),
        both of a name written in two columns (`Prénom + Nom`); `name` if none."""
        wanted = ("first_name", "name") if name == "name" else (name,)
        shown = [cell.strip() for cell, meant in zip(self.headings, self.fields, strict=False)
                 if meant in wanted]
        return " + ".join(shown) or name

    def named(self, problem: Problem) -> Problem:
        """`problem` naming the file's heading rather than our field."""
        if not problem.field:
            return problem
        return replace(problem, field=self.heading(problem.field))

    @property
    def encoding_name(self) -> str:
        return ENCODING_NAMES.get(self.encoding, self.encoding)


@dataclass
class Report:
    layout: Layout
    subscribed: int = 0
    pending: int = 0
    unsubscribed: int = 0  # imported as unsubscribed: kept off the list
    bounced: int = 0  # imported as bounced, and suppressed (never mailed, whatever list)
    complained: int = 0  # imported as complained, and suppressed
    unchanged: int = 0
    errors: list[Problem] = field(default_factory=list)
    stopped_before: int = 0  # the first line not imported, when asked to stop; else 0

    @property
    def saved(self) -> int:
        return (self.subscribed + self.pending + self.unsubscribed + self.bounced
                + self.complained)


def survey(path: Path) -> Layout:
    """The first pass: the file read whole, nothing saved; FileRejected for a fatal problem."""
    encoding = detect_encoding(path)
    separator = sniff_separator(path, encoding)
    rows = records(decoded_lines(path, encoding), separator)
    header_line, header = header_row(rows)
    layout = Layout(encoding, separator, header_fields(header, header_line), headings=header)
    dates = layout.fields.index("consent_at") if "consent_at" in layout.fields else None
    orders: dict[str, tuple[int, str]] = {}
    for line, row in rows:
        layout.rows += 1
        if dates is not None and dates < len(row):
            order = date_order(row[dates])
            if order:
                orders.setdefault(order, (line, row[dates]))
    if "month_first" in orders and "day_first" not in orders:
        line, value = orders["month_first"]
        raise FileRejected(Problem(line, layout.heading("consent_at"), "month_first",
                                   {"value": value}))
    return layout


def _rows(path: Path, layout: Layout) -> Iterator[tuple[int, dict[str, str] | Problem]]:
    rows = records(decoded_lines(path, layout.encoding), layout.separator)
    header_row(rows)
    width = len(layout.fields)
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            yield line, Problem(line, "", "too_many_cells", {"cells": len(row), "columns": width})
            continue
        yield line, {name: restore(cell) for name, cell in zip(layout.fields, row, strict=False)
                     if name}


def _known(session: Session, emails: set[str]) -> set[str]:
    """The addresses among `emails` already on the list or suppressed: left as they are."""
    on_list = session.scalars(select(Subscriber.email).where(Subscriber.email.in_(emails)))
    by_hash = {email_hash(email): email for email in emails}
    suppressed = session.scalars(
        select(Suppression.email_hash).where(Suppression.email_hash.in_(by_hash))
    )
    return set(on_list) | {by_hash[digest] for digest in suppressed}


def _save(session: Session, rows: list[Row], source: str) -> None:
    """Insert `rows` and their `imported` events, many rows per statement (an ORM object
    a row costs three times the time of the whole check)."""
    now = utcnow()
    ids = session.scalars(
        insert(Subscriber).returning(Subscriber.id, sort_by_parameter_order=True),
        [{"email": row.email, "language": row.language, "name": row.name,
          "status": row.status, "consent_at": row.consent_at,
          "confirmed_at": row.consent_at if row.status == Status.SUBSCRIBED else None,
          "unsubscribed_at": None if row.status in ACTIVE else now,
          "consent_source": (row.extra["consent_source"] or source)[:200]
          if row.consent_at else None,
          "consent_text": row.extra["consent_text"], "consent_ip": row.extra["consent_ip"],
          "created_at": now, "updated_at": now} for row in rows],
    ).all()
    log_events(session, EventKind.IMPORTED,
               [(subscriber, {"source": source, "line": row.line})
                for subscriber, row in zip(ids, rows, strict=True)])
    for row in rows:
        if row.status in (Status.BOUNCED, Status.COMPLAINED):
            suppress(session, row.email, reason=row.status.value)


def _store(session_factory, checked: list[Row], source: str) -> Counter:
    """Save the rows of one batch whose address is new, in one transaction; how many of
    each of OUTCOMES. A signup of one of these addresses committed meanwhile
    breaks the unique index: the batch is then done again, and that address left alone."""
    for attempt in range(3):
        try:
            with session_factory() as session:
                known = _known(session, {row.email for row in checked})
                counts: Counter = Counter()
                new = []
                for row in checked:
                    if row.email in known:
                        counts["unchanged"] += 1
                        continue
                    known.add(row.email)  # a second row for it later in the file
                    new.append(row)
                    counts[row.status.value] += 1
                if new:
                    _save(session, new, source)
            return counts
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _first(row: Row, first_lines: dict[int, int]) -> Row:
    """`row`, unless its address came earlier in the file: then RowRejected names that line.

    Addresses are compared as stored (check_email: IDNA domain in Unicode, NFC, lower case),
    so `lea@xn--bcher-kva.example` is `Lea@BÜCHER.example`. `first_lines` keys are 64-bit
    digests, not the addresses, to keep a big file's memory small; two of a million
    addresses share one with odds of one in 40 million.
    """
    digest = int.from_bytes(hashlib.blake2b(row.email.encode(), digest_size=8).digest())
    first = first_lines.setdefault(digest, row.line)
    if first != row.line:
        raise RowRejected(Problem(row.line, "email", "duplicate",
                                  {"value": row.email, "first": first}))
    return row


def upload_name(filename: str | None) -> str:
    """The name an uploaded file is shown and recorded by (problems, audit, consent
    source): its last path part, each control, format or space character one space (a NUL,
    which PostgreSQL refuses in text; a right-to-left override, which reverses what
    follows), at most 100 characters; `upload.csv` if nothing is left."""
    last = Path((filename or "").replace("\\", "/")).name
    shown = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in last)
    return " ".join(shown.split())[:100] or "upload.csv"


def import_csv(session_factory, path: Path, name: str | None = None,
               zone: str | None = None, stop: Callable[[], bool] = lambda: False) -> Report:
    """Import the CSV file `path`, shown to people as `name` (never a server path); naive
    times are read in `zone` (the console's). FileRejected, before anything is saved, for a
    file that cannot be read whole; the Report lists each rejected row. `stop` is asked
    between batches (Ctrl-C on the command line): when it says so, the Report's
    `stopped_before` is the first line not imported, the batches before it saved whole."""
    zone = zone or get_settings().console_timezone
    report = Report(survey(path))
    source = f"import:{name or path.name}"[:200]
    rows = _rows(path, report.layout)
    first_lines: dict[int, int] = {}
    while batch := list(islice(rows, BATCH)):
        if stop():
            report.stopped_before = batch[0][0]
            break
        checked: list[Row] = []
        for line, row in batch:
            if isinstance(row, Problem):
                report.errors.append(row)
                continue
            try:
                checked.append(_first(check_row(line, row, zone), first_lines))
            except RowRejected as rejected:
                report.errors.append(report.layout.named(rejected.problem))
        if not checked:
            continue
        counts = _store(session_factory, checked, source)
        for outcome in OUTCOMES:
            setattr(report, outcome, getattr(report, outcome) + counts[outcome])
    return report
