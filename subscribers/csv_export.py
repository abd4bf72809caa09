"""Exporting the list as CSV, streamed, for a script or for a spreadsheet.

Both forms neutralise formulas (`csv_cells`) and write times without microseconds. The
machine form (the command line's default) is UTF-8, `,`-separated, times in UTC with
their offset. The spreadsheet form (the console's) starts with a UTF-8 byte-order mark,
without which Excel reads the file as Windows-1252, uses `;` on request (what a French
spreadsheet expects) and writes times in the console's zone as `2026-11-15 09:30:00`, which
spreadsheets recognise; `infolettre subscribers import` reads both back (a time without a
zone is read in the console's zone).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from subscribers.csv_cells import neutralise
from subscribers.models import Subscriber

# Named, not every column of the table: a secret added to the model later stays out.
COLUMNS = ["id", "email", "language", "name", "status", "created_at", "updated_at",
           "confirmed_at", "unsubscribed_at", "consent_at", "consent_source", "consent_ip",
           "consent_text", "bounce_score", "last_bounce_at"]
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Form:
    separator: str = ","
    bom: bool = False
    zone: str | None = None  # None: UTC with its offset

    def cell(self, value) -> str | float | int:
        if value is None:
            return ""
        if isinstance(value, datetime):
            if self.zone is None:
                return value.astimezone(UTC).isoformat(timespec="seconds")
            return value.astimezone(ZoneInfo(self.zone)).strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, str):
            return neutralise(value)
        if isinstance(value, float):  # 0.0 and SQLite's 0 alike: "0", "0.5", "2"
            return f"{value:g}"
        return value


def export_chunks(session: Session, form: Form) -> Iterator[str]:
    """The CSV text in pieces of about CHUNK characters, rows as the database yields them."""
    buffer = io.StringIO()
    if form.bom:
        buffer.write(codecs.BOM_UTF8.decode())
    writer = csv.writer(buffer, delimiter=form.separator, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = session.execute(select(*(getattr(Subscriber, name) for name in COLUMNS))
                           .order_by(Subscriber.id).execution_options(yield_per=1000))
    for row in rows:
        writer.writerow([form.cell(value) for value in row])
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
