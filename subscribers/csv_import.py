"""Importing a CSV list: each bad row is reported with its line, the good rows go in.

Running the same file twice changes nothing: an address already on the list (or
suppressed) is left as it is. A row without a consent date becomes pending, never
subscribed: only proven consent puts someone on the list.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from subscribers.models import EventKind, Status, Subscriber
from subscribers.service import find_by_email, is_suppressed, log_event
from subscribers.validation import InvalidInput, check_applicant

# accepted header -> field (the export's own names come back in)
COLUMNS = {
    "email": "email", "language": "language", "name": "name",
    "consent_date": "consent_at", "consent_at": "consent_at",
    "consent_source": "consent_source", "consent_text": "consent_text",
}
BATCH = 500


@dataclass
class Report:
    subscribed: int = 0
    pending: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def _parse_date(raw: str) -> datetime | None:
    if not raw.strip():
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError as error:
        raise InvalidInput("consent_date", "", f"not an ISO date: {raw!r}") from error
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by field name), streamed; ValueError for a file we cannot read."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        first = stream.readline()
        stream.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(first, ",;\t")
        except csv.Error:
            dialect = csv.excel  # one column: no delimiter to find
        reader = csv.reader(stream, dialect)
        header = [column.strip().lower() for column in next(reader, [])]
        if "email" not in header:
            raise ValueError(f"{path}:1: no 'email' column in the header {header}")
        unknown = [column for column in header if column and column not in COLUMNS]
        if unknown:
            raise ValueError(f"{path}:1: unknown columns {unknown}; known: {sorted(COLUMNS)}")
        end = reader.line_num
        for row in reader:
            # A quoted cell may span lines: report the line where the row starts.
            start, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            yield start, {
                COLUMNS[column]: cell for column, cell in zip(header, row, strict=False) if column
            }


def import_row(session: Session, row: dict[str, str], source: str, line: int, report: Report):
    applicant = check_applicant(row.get("email", ""), row.get("language"), row.get("name"))
    consent_at = _parse_date(row.get("consent_at", ""))
    if is_suppressed(session, applicant.email) or find_by_email(session, applicant.email):
        report.unchanged += 1
        return
    status = Status.SUBSCRIBED if consent_at else Status.PENDING
    subscriber = Subscriber(
        email=applicant.email, language=applicant.language, name=applicant.name, status=status,
        consent_at=consent_at, confirmed_at=consent_at,
        consent_source=(row.get("consent_source") or source)[:200] if consent_at else None,
        consent_text=row.get("consent_text") or None,
    )
    session.add(subscriber)
    session.flush()  # a duplicate later in the same file then finds this row
    log_event(session, subscriber, EventKind.IMPORTED, source=source, line=line)
    if consent_at:
        report.subscribed += 1
    else:
        report.pending += 1


def import_csv(session_factory, path: Path) -> Report:
    """Import `path`, committing every BATCH rows so a big file never sits in memory."""
    report = Report()
    source = f"import:{path.name}"
    rows = read_rows(path)
    while True:
        with session_factory() as session:
            done = 0
            for line, row in rows:
                try:  # every check comes before the first write: a bad row writes nothing
                    import_row(session, row, source, line, report)
                except InvalidInput as error:
                    report.errors.append((line, f"{error.field}: {error.detail or error}"))
                done += 1
                if done == BATCH:
                    break
            if done < BATCH:
                return report
