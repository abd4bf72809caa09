"""Why a bounce was held, weakened or reviewed (mailer.bounces.notes), in words of the
console's catalogue (`note_<code>`), the server's own words after them as they came.

A note's values are data (addresses, counts, codes): filled into the words, never read as
markup (the page escapes the whole text); counts are written as the words' language writes
them. A row written before notes (no notes) is its stored `reason`, shown as it is.
"""

from __future__ import annotations

import re

from mailer.catalogue import Catalogue, fill
from mailer.console.base import labels
from mailer.console.bounce_words import COMMAND_LINE, decimal, locale_of

SEPARATOR = " · "
# How a report was tied to us, as mailer.bounces.classify and .provenance keep it in a
# person's event (`tied_to`): "VERP", or "delivery <id> (campaign <id>)".
_DELIVERY = re.compile(r"delivery (\d+) \(campaign (\d+)\)")


def one(words: Catalogue, item: dict) -> str:
    """One note ({"code", "values"}) in words; a code this version does not know is named."""
    code, values = str(item.get("code", "")), dict(item.get("values") or {})
    template = words.get(f"note_{code}")
    if template is None:
        return fill(words["note_unknown"], code=code)
    locale = locale_of(words, template)
    values = {key: decimal(value, locale) if isinstance(value, int | float)
              and not isinstance(value, bool) else str(value) for key, value in values.items()}
    try:
        said = fill(template, **values)
    except KeyError:  # a value the words need is missing from the row
        return fill(words["note_unknown"], code=code)
    if code.startswith("held_"):
        kind = words.get(f"verdict_name_{values.get('kind', '')}") or values.get("kind", "")
        status = values.get("status", "")
        said = fill(words["note_held"], kind=f"{kind} {status}".strip(), why=said)
    return said


def said(words: Catalogue, notes: list[dict] | None, reason: str | None = None) -> str:
    """The notes in words, then the server's words (`reason`); without notes, `reason` as
    stored (an older row's English)."""
    return SEPARATOR.join([*(one(words, item) for item in notes or ()), *filter(None, [reason])])


def tied(words: Catalogue, value: str) -> str:
    """What tied a report to a message of ours (`tied_to`), in words; another value as it
    was stored."""
    if value == "VERP":
        return words["tied_verp"]
    found = _DELIVERY.fullmatch(value)
    if found is None:
        return value
    locale = locale_of(words, words["tied_delivery"])
    return fill(words["tied_delivery"], delivery=decimal(int(found[1]), locale),
                campaign=decimal(int(found[2]), locale))


def in_english(notes: list[dict] | None, reason: str | None = None) -> str:
    """The same for the command line, which speaks English."""
    return said(labels(COMMAND_LINE), notes, reason)
