"""Consent dates as offices write them: ISO 8601, or day/month/year (with a time or not).

Day first is how every language of the network writes a date in figures; ISO 8601 is our
export's. Parsed strictly (Babel's `parse_date` would quietly swap 11/15 into 15/11). A
time without a zone is in the console's zone, the one the staff who wrote it live in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_FIGURES = re.compile(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})"
                      r"(?:[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?\s*")
FUTURE_SLACK = timedelta(days=1)


def date_order(raw: str) -> str | None:
    """`day_first` or `month_first` when the figures prove one (15/11 or 11/15), else None."""
    match = _FIGURES.fullmatch(raw)
    if not match:
        return None
    first, second = int(match[1]), int(match[2])
    if first > 12 >= second:
        return "day_first"
    if second > 12 >= first:
        return "month_first"
    return None


def consent_time(raw: str, zone: str) -> datetime | None:
    """The consent time in UTC, None for an empty cell; ValueError whose message is a
    problem code (`date_invalid`, `date_future`)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = _figures(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it
        raise ValueError("date_invalid") from None
    if moment.year < 1970:
        raise ValueError("date_invalid")
    if moment > datetime.now(UTC) + FUTURE_SLACK:
        raise ValueError("date_future")
    return moment


def _figures(raw: str) -> datetime:
    match = _FIGURES.fullmatch(raw)
    if not match:
        raise ValueError("date_invalid")
    year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
    try:
        return datetime(year, int(match[2]), int(match[1]), int(match[4] or 0),
                        int(match[5] or 0), int(match[6] or 0))
    except ValueError:  # 31/02, 25:00
        raise ValueError("date_invalid") from None
