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
from itertools import islice
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from subscribers.models import EventKind, Status, Subscriber, Suppression, email_hash
from subscribers.service import log_event
from subscribers.validation import Applicant, InvalidInput, check_applicant

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
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # a date alone: UTC


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


def _known(session: Session, emails: set[str]) -> set[str]:
    """The addresses among `emails` already on the list or suppressed: left as they are."""
    on_list = session.scalars(select(Subscriber.email).where(Subscriber.email.in_(emails)))
    by_hash = {email_hash(email): email for email in emails}
    suppressed = session.scalars(
        select(Suppression.email_hash).where(Suppression.email_hash.in_(by_hash))
    )
    return set(on_list) | {by_hash[digest] for digest in suppressed}


def _add(session: Session, applicant: Applicant, row: dict[str, str], consent_at, source, line):
    status = Status.SUBSCRIBED if consent_at else Status.PENDING
    subscriber = Subscriber(
        email=applicant.email, language=applicant.language, name=applicant.name, status=status,
        consent_at=consent_at, confirmed_at=consent_at,
        consent_source=(row.get("consent_source") or source)[:200] if consent_at else None,
        consent_text=row.get("consent_text") or None,
    )
    session.add(subscriber)
    log_event(session, subscriber, EventKind.IMPORTED, source=source, line=line)
    return status


def import_csv(session_factory, path: Path) -> Report:
    """Import `path` BATCH rows at a time (one transaction each): a big file never sits
    in memory, and each batch costs two lookups rather than two a row."""
    report = Report()
    source = f"import:{path.name}"
    rows = read_rows(path)
    while batch := list(islice(rows, BATCH)):
        checked = []
        for line, row in batch:
            try:
                applicant = check_applicant(
                    row.get("email", ""), row.get("language"), row.get("name")
                )
                consent_at = _parse_date(row.get("consent_at", ""))
                checked.append((line, row, applicant, consent_at))
            except InvalidInput as error:
                report.errors.append((line, f"{error.field}: {error.detail or error}"))
        if not checked:
            continue
        with session_factory() as session:
            known = _known(session, {applicant.email for _, _, applicant, _ in checked})
            for line, row, applicant, consent_at in checked:
                if applicant.email in known:
                    report.unchanged += 1
                    continue
                known.add(applicant.email)  # a second row for it later in the file
                if _add(session, applicant, row, consent_at, source, line) == Status.SUBSCRIBED:
                    report.subscribed += 1
                else:
                    report.pending += 1
    return report
