"""When a send may be scheduled: a time to come, at most LATEST_AHEAD away (a year written
wrong, 9999 for 2026, is a mistake, not a plan); and `infolettre send --at` read in words.

Light on purpose: `send` reads --at before it forks its launcher (mailer.cli_send), so
nothing of the database's side is imported here."""

from __future__ import annotations

import calendar
import datetime as dt
import re

LATEST_AHEAD = dt.timedelta(days=366)  # a year, leap or not
WRITTEN = "YYYY-MM-DD HH:MM"
_SHAPE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{2}):([0-9]{2})")


def out_of_range(at: dt.datetime, now: dt.datetime | None = None) -> str | None:
    """Why a send cannot be scheduled at the aware time `at`: "past", or "far" (more than
    LATEST_AHEAD after `now`); None when it can. The one bound the command line and the
    console share."""
    now = now or dt.datetime.now(dt.UTC)
    if at <= now:
        return "past"
    return "far" if at > now + LATEST_AHEAD else None


def from_option(typed: str, now: dt.datetime | None = None) -> dt.datetime:
    """The UTC time `--at` names (naive, as typed). ValueError, said in words that name the
    option, the value and the fix: not written YYYY-MM-DD HH:MM (or with a T), a day or an
    hour that does not exist (30 February, 24:00), a time past or more than LATEST_AHEAD
    after `now` (UTC; by default the present)."""
    now = now or dt.datetime.now(dt.UTC)
    found = _SHAPE.fullmatch(typed.strip())
    if not found:
        raise ValueError(f"--at {typed!r}: write the time (UTC) as {WRITTEN}, e.g. "
                         f"{now + dt.timedelta(days=1):%Y-%m-%d} 08:00")
    year, month, day, hour, minute = (int(part) for part in found.groups())
    try:
        at = dt.datetime(year, month, day, hour, minute)
    except ValueError:
        raise ValueError(f"--at {typed.strip()}: {_missing(year, month, day, hour, minute)}; "
                         f"give a time that exists, as {WRITTEN} (UTC)") from None
    wrong = out_of_range(at.replace(tzinfo=dt.UTC), now)
    if wrong == "past":
        raise ValueError(f"--at {at:%Y-%m-%d %H:%M} UTC is past; give a time to come, or "
                         "leave --at out to send now")
    if wrong == "far":
        raise ValueError(f"--at {at:%Y-%m-%d %H:%M} UTC is more than a year ahead (the "
                         f"latest is {now + LATEST_AHEAD:%Y-%m-%d %H:%M} UTC); check the "
                         "year, or schedule the send nearer its time")
    return at


def _missing(year: int, month: int, day: int, hour: int, minute: int) -> str:
    """Which part of a well-written time does not exist."""
    if year < 1:
        return "there is no year 0"
    if not 1 <= month <= 12:
        return f"there is no month {month:02d} (months run from 01 to 12)"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return (f"there is no day {day:02d} in {calendar.month_name[month]} {year} (it has "
                f"{days} days)")
    if hour > 23:
        return f"there is no hour {hour:02d} (hours run from 00 to 23)"
    return f"there is no minute {minute:02d} (minutes run from 00 to 59)"
