"""Consent dates as offices write them: ISO 8601, day/month/year (with a time or not),
year/month/day, a day and a month's name (15 novembre 2025, 15 November 2025), or the serial
number a spreadsheet writes when a date cell is saved as a number (45976).

Day first is how every language of the network writes a date in figures; ISO 8601 is our
export's. Figures are parsed strictly (Babel's `parse_date` would quietly swap 11/15 into
15/11); month names by dateutil, given every list language's names from Babel's CLDR data,
and only when the day, month and year are all written. A time without a zone is in the
console's zone, the one the staff who wrote it live in.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import get_day_names, get_month_names
from dateutil import parser as dateutil_parser

_TIME = r"(?:[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?\s*"
_FIGURES = re.compile(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})" + _TIME)
_YEAR_FIRST = re.compile(r"\s*(\d{4})[/.](\d{1,2})[/.](\d{1,2})" + _TIME)  # 2025/11/15
# A spreadsheet's date serial (days since 1899-12-30, Excel's and LibreOffice's
# 1900 system; 25569 is 1970-01-01): five figures, and a fraction for the time of day.
_SERIAL = re.compile(r"(\d{5})(?:[.,](\d+))?")
_SERIAL_EPOCH = datetime(1899, 12, 30)
FUTURE_SLACK = timedelta(days=1)
CODES = ("date_invalid", "date_partial", "date_too_old", "date_future")  # of csv_problems
OLDEST = 1970  # no consent of this list is older: 01/01/1900 is a spreadsheet's empty date


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


def consent_time(raw: str, zone: str, languages: tuple[str, ...] = ("fr", "en")) -> \
        datetime | None:
    """The consent time in UTC, None for an empty cell; ValueError whose message is a
    problem code: `date_invalid` (not a date), `date_partial` (a day, month or year
    missing), `date_too_old` (before 1970), `date_future`. `languages`: whose month names
    are read."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return _checked(_read(raw, languages), zone)
    except ValueError as error:
        # A parser's own ValueError (dateutil reads `+25:00`, which no datetime can use:
        # "offset must be a timedelta strictly between ...") is not a problem code.
        if str(error) in CODES:
            raise
        raise ValueError("date_invalid") from None


def _checked(moment: datetime, zone: str) -> datetime:
    if moment.year < OLDEST:
        raise ValueError("date_too_old")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31 west of UTC
        raise ValueError("date_future") from None
    if moment.year < OLDEST:  # 1970-01-01 00:30 in Paris
        raise ValueError("date_too_old")
    if moment > datetime.now(UTC) + FUTURE_SLACK:
        raise ValueError("date_future")
    return moment


def _read(raw: str, languages: tuple[str, ...]) -> datetime:
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        pass
    if match := _FIGURES.fullmatch(raw):
        year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
        return _at(year, int(match[2]), int(match[1]), *match.groups()[3:])
    if match := _YEAR_FIRST.fullmatch(raw):
        return _at(int(match[1]), int(match[2]), int(match[3]), *match.groups()[3:])
    if match := _SERIAL.fullmatch(raw):
        return _SERIAL_EPOCH + timedelta(days=int(match[1]) + float(f"0.{match[2] or 0}"))
    if len(raw) <= 64 and any(char.isalpha() for char in raw):
        return _named(raw, languages)
    raise ValueError("date_invalid")


def _at(year: int, month: int, day: int, *time: str | None) -> datetime:
    try:
        return datetime(year, month, day, *(int(part or 0) for part in time))
    except ValueError:  # 31/02, 25:00
        raise ValueError("date_invalid") from None


def _named(raw: str, languages: tuple[str, ...]) -> datetime:
    """A date written with its month's name; each of day, month and year must be written:
    read with two different defaults, a part left out shows as a difference."""
    names = _names(tuple(sorted({*languages, "en"})))
    try:
        first, second = (dateutil_parser.parse(raw, parserinfo=names, default=default)
                         for default in (datetime(2000, 1, 1), datetime(2004, 3, 3)))
    except (ValueError, OverflowError):  # not a date, or 31 février
        raise ValueError("date_invalid") from None
    if first != second:
        raise ValueError("date_partial")
    return first


@lru_cache(maxsize=4)
def _names(languages: tuple[str, ...]) -> dateutil_parser.parserinfo:
    """dateutil's vocabulary with the month and weekday names of `languages` (CLDR's, with
    and without accents and the abbreviation's dot)."""

    def spellings(name: str) -> set[str]:
        bare = "".join(c for c in unicodedata.normalize("NFD", name)
                       if not unicodedata.combining(c))
        return {form.lower() for form in (name, name.rstrip("."), bare, bare.rstrip("."))}

    def table(english: list[tuple[str, ...]], names, widths) -> list[tuple[str, ...]]:
        rows = [set(row) for row in english]
        for code in languages:
            for width in widths:
                for context in ("format", "stand-alone"):
                    for index, name in names(width, context=context, locale=code).items():
                        rows[index - (names is get_month_names)] |= spellings(name)
        return [tuple(sorted(row)) for row in rows]

    class Names(dateutil_parser.parserinfo):
        MONTHS = table(dateutil_parser.parserinfo.MONTHS, get_month_names,
                       ("wide", "abbreviated"))
        # Weekdays in full only: "mar." is mardi in French and March in English.
        WEEKDAYS = table(dateutil_parser.parserinfo.WEEKDAYS, get_day_names, ("wide",))
        JUMP = [*dateutil_parser.parserinfo.JUMP, "le", "er", "the"]  # le 1er novembre

    return Names(dayfirst=True)
