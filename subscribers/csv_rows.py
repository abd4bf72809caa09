"""One row of an imported CSV checked field by field, as it will be saved.

The checks are the signup's (`subscribers.validation`), so that an address or a name the
form refuses is refused here too; each refusal is a Problem naming the row's line.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from babel import Locale

from mailer.demo_data import reserved
from mailer.settings import get_settings
from subscribers.csv_dates import consent_time
from subscribers.csv_problems import Problem
from subscribers.models import Status
from subscribers.validation import (
    InvalidInput,
    check_email,
    check_language,
    check_name,
    has_control,
)

TEXT_MAX = {"consent_source": 200, "consent_text": 10_000}


@dataclass(frozen=True)
class Row:
    line: int
    email: str
    language: str
    name: str | None
    status: Status
    consent_at: datetime | None
    extra: dict


def check_row(line: int, row: dict[str, str], zone: str) -> Row:
    """The row as it will be saved; Problem (raised) names its first bad field."""
    languages = get_settings().languages
    try:
        email = check_email(row.get("email", ""))
    except InvalidInput as error:
        if error.label == "email_too_long":
            raise _bad(line, "email", "email_too_long", value=row["email"].strip(),
                       **error.values) from None
        raise _email_refused(line, row.get("email") or "") from None
    try:
        language = check_language(language_code(row.get("language") or None))
    except InvalidInput:
        raise _bad(line, "language", "language_invalid", value=row.get("language"),
                   languages=", ".join(languages)) from None
    try:
        name = check_name(" ".join(part.strip() for part in (row.get("first_name"),
                                                              row.get("name")) if part) or None)
    except InvalidInput as error:
        if error.values:  # an invisible character: which, and where
            raise _bad(line, "name", "name_invisible", **error.values) from None
        raise _bad(line, "name", "name_invalid") from None
    extra = {}
    for key, limit in TEXT_MAX.items():
        text = (row.get(key) or "").strip()
        if has_control(text, allowed="\n\r\t" if key == "consent_text" else "") or \
                len(text) > limit:
            raise _bad(line, key, "text_invalid", limit=limit)
        if key == "consent_source" and reserved(text):
            raise _bad(line, key, "source_reserved", value=text)
        extra[key] = text or None
    ip = (row.get("consent_ip") or "").strip()
    try:
        extra["consent_ip"] = str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        raise _bad(line, "consent_ip", "ip_invalid", value=ip) from None
    raw_date = row.get("consent_at") or ""
    try:
        consent_at = consent_time(raw_date, zone, tuple(get_settings().languages))
    except ValueError as error:
        raise _bad(line, "consent_at", str(error), value=raw_date.strip()) from None
    status = _status(line, row.get("status"), consent_at)
    return Row(line, email, language, name, status, consent_at, extra)


class RowRejected(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def _bad(line: int, column: str, code: str, **values) -> RowRejected:
    return RowRejected(Problem(line, column, code, values))


_NAMED = re.compile(r"^[^<>]*<([^<>@\s]+@[^<>\s]+)>\s*$")  # Léa B <lea@example.org>
_QUOTED_LOCAL = re.compile(r'^"[^"]*"@[^@<>\s]+$')  # "jean;dupont"@example.org (RFC 5321)


def _email_refused(line: int, raw: str) -> RowRejected:
    """The refusal of an address, with the fix when the mistake is a common one: a mailto:
    link or a "Name <address>" pasted from a mail client, an invisible character; a quoted
    local part, valid in RFC 5321 but refused here as by the signup form (email_validator's
    default), says so rather than "not valid"."""
    value = raw.strip()
    if value.lower().startswith("mailto:"):
        return _bad(line, "email", "email_mailto", value=value, address=value[7:])
    if _QUOTED_LOCAL.match(value):
        return _bad(line, "email", "email_quoted", value=value)
    named = _NAMED.match(value)
    if named:
        return _bad(line, "email", "email_display_name", value=value, address=named[1])
    # str.strip() also takes a vertical tab, a form feed or U+001C..U+001F off the ends:
    # look for them in the cell as given (bar its spaces), else the address shown is
    # refused as "not valid" with nothing wrong to see in it.
    shown = raw.strip(" ")
    for index, char in enumerate(shown):
        if unicodedata.category(char) in ("Cf", "Cc", "Zl", "Zp"):
            return _bad(line, "email", "email_invisible", value=shown.encode(
                "unicode_escape").decode("ascii"), char=f"U+{ord(char):04X}",
                        position=index + 1)
    return _bad(line, "email", "email_invalid", value=value)


# A `statut` column in French (its heading is read, csv_read): each word without its
# accents and inclusive marks (abonné·e, désabonné(e) → abonnee, desabonnee).
_FRENCH = {"abonne": Status.SUBSCRIBED, "abonnee": Status.SUBSCRIBED,
           "inscrit": Status.SUBSCRIBED, "inscrite": Status.SUBSCRIBED,
           "en attente": Status.PENDING, "desabonne": Status.UNSUBSCRIBED,
           "desabonnee": Status.UNSUBSCRIBED, "desinscrit": Status.UNSUBSCRIBED,
           "desinscrite": Status.UNSUBSCRIBED, "rebond": Status.BOUNCED,
           "plainte": Status.COMPLAINED}
_MARKS = str.maketrans("", "", "·.()")


def _french(raw: str) -> str:
    bare = "".join(char for char in unicodedata.normalize("NFKD", raw)
                   if not unicodedata.combining(char)).translate(_MARKS)
    return _FRENCH.get(bare, raw)


def _status(line: int, raw: str | None, consent_at) -> Status:
    raw = _french((raw or "").strip().lower())
    if raw and raw not in set(Status):
        raise _bad(line, "status", "status_invalid", value=raw,
                   statuses=", ".join(Status))
    if raw in ("", Status.SUBSCRIBED):  # only a proven consent subscribes
        return Status.SUBSCRIBED if consent_at else Status.PENDING
    return Status(raw)


@lru_cache(maxsize=4)
def _language_names(languages: tuple[str, ...]) -> dict[str, str]:
    # Each language by its name in each of the languages (Babel's CLDR names) and in English.
    names = {}
    for code in languages:
        for shown_in in (*languages, "en"):
            names[Locale.parse(code).get_display_name(shown_in).lower()] = code
    return names


def language_code(raw: str | None) -> str | None:
    """A language as offices write it (`fr`, `FR`, `français`, `French`) -> its code."""
    if raw is None:
        return None
    names = _language_names(tuple(get_settings().languages))
    return names.get(raw.strip().lower(), raw)
