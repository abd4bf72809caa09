"""Checks on what visitors and import files give us, with a reason a person can act on."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from mailer.invisible import invisible_problem
from mailer.settings import get_settings
from subscribers.models import normalise_email

NAME_MAX = 200
LOCAL_PART_MAX = 64  # octets before the @ (RFC 5321 4.5.3.1.1)


class InvalidInput(ValueError):
    """One field is wrong; `field` names it and `label` is the key of its message."""

    def __init__(self, field: str, label: str, detail: str = "", **values) -> None:
        super().__init__(f"{field}: {detail or label}")
        self.field = field
        self.label = label
        self.detail = detail
        self.values = values  # what a translated message names (see csv_problems)


@dataclass(frozen=True)
class Applicant:
    """A validated request to be on the list."""

    email: str
    language: str
    name: str | None


def _has_line_break(value: str) -> bool:
    # Any of these would let a value spill into a second mail header.
    return any(char in value for char in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


# C0 and C1 controls (NUL among them: PostgreSQL refuses it in text), lone surrogates and
# noncharacters: never part of a name a person typed.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def has_control(value: str, allowed: str = "") -> bool:
    """Whether `value` holds a control character other than those in `allowed`."""
    return any(char not in allowed for char in _CONTROL.findall(value))


# An input method left in full-width mode types `ｌｅａ＠example.org`: IDNA maps such a
# domain to ASCII, but the local part stayed full-width, another (undeliverable) mailbox
# beside `lea@example.org`. U+FF01..U+FF5E are ASCII's full-width forms (Unicode's
# Halfwidth and Fullwidth Forms block), each 0xFEE0 above its ASCII character. Only new
# input is mapped: lookups (normalise_email) still find an address stored before.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def check_email(raw: str) -> str:
    raw = raw or ""
    if _has_line_break(raw) or has_control(raw):
        raise InvalidInput("email", "email_invalid", "line break or control character")
    try:
        result = validate_email(
            raw.strip().translate(_HALF_WIDTH),
            check_deliverability=get_settings().check_email_dns,
        )
    except EmailNotValidError as error:
        raise InvalidInput("email", "email_invalid", str(error)) from error
    # RFC 5321 4.5.3.1.1: 64 octets before the @ (UTF-8 ones, RFC 6531); email-validator
    # counts them only in its strict mode, and then in characters.
    octets = len(result.local_part.encode("utf-8"))
    if octets > LOCAL_PART_MAX:
        raise InvalidInput("email", "email_too_long", length=octets)  # a whole sentence
    return normalise_email(result.normalized)


def check_name(raw: str | None) -> str | None:
    name = (raw or "").strip()
    if _has_line_break(name) or has_control(name) or len(name) > NAME_MAX:
        raise InvalidInput("name", "name_invalid",
                           "line break, control character or longer than 200 characters")
    invisible = invisible_problem(name, one_line=True)
    if invisible:
        index, detail = invisible
        raise InvalidInput("name", "name_invalid", detail, position=index + 1,
                           char=f"U+{ord(name[index]):04X}")
    return name or None


def check_language(raw: str | None) -> str:
    """The offered language `raw` names: a code (`fr`, `FR`) or a BCP 47 tag with a region
    (`fr-CA`, `en_GB`: what `navigator.language` and CRMs give) whose language is offered.
    InvalidInput otherwise."""
    settings = get_settings()
    language = (raw or settings.default_language).strip().lower()
    primary = re.split("[-_]", language, maxsplit=1)[0]
    if language not in settings.languages and primary in settings.languages:
        language = primary
    if language not in settings.languages:
        # The codes alone: the detail follows the message in the page's own language.
        raise InvalidInput("language", "language_invalid", f"({', '.join(settings.languages)})")
    return language


def given_twice(key: str) -> str:
    """The English detail of a field given twice (a form's, or a JSON object's key)."""
    return f"the field {key!r} is given twice: send each field once"


def check_once(form: Mapping, keys: tuple[str, ...]) -> None:
    """InvalidInput (label `duplicate_key`) for the first of `keys` that the form (a
    MultiDict) gives more than once: a website's page holding our snippet and its own field
    of that name, or a form posted by hand. Which value was meant is not ours to guess
    (Werkzeug's `get` takes the first). A plain mapping holds each key once."""
    for key in keys:
        if len(getattr(form, "getlist", lambda _key: [])(key)) > 1:
            raise InvalidInput(key, "duplicate_key", given_twice(key), key=key)


def check_applicant(email: str, language: str | None, name: str | None) -> Applicant:
    return Applicant(check_email(email), check_language(language), check_name(name))
