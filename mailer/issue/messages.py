"""The words of a problem: what is wrong, then the fix, in terms an editor knows.

YAML's and pydantic's own messages ("mapping values are not allowed here", "invalid
character in year") name the parser's trouble, not the author's; these say what to type.
"""

from __future__ import annotations

import datetime as dt
import re

# A scheme other than the web's (`javascript:`, `data:`, `ftp://`), not a host:port.
_OTHER_SCHEME = re.compile(r"(?!https?:)[a-z][a-z0-9+.-]*:(?!\d)", re.IGNORECASE)

_SIMPLE = {"missing": "missing", "extra_forbidden": "unknown field"}
_DAY_MONTH_YEAR = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")


def date_fix(value: object) -> str:
    """'15/01/2018' → the ISO date to write instead, when it can be told."""
    found = _DAY_MONTH_YEAR.match(str(value))
    if found:
        day, month, year = map(int, found.groups())
        try:
            iso = dt.date(year, month, day).isoformat()
        except ValueError:
            pass
        else:
            return f"{value!r} is not a date the format reads: write it {iso} (year-month-day)"
    return f"{value!r} is not a date: write it year-month-day, e.g. 2027-01-15"


def yaml_message(problem: str) -> str:
    """A YAML parser's complaint, with the usual fix."""
    if "'\\t'" in problem or "\t" in problem:
        return "a tab character: indent with spaces, never with tabs"
    if "mapping values are not allowed" in problem:
        return ("a colon followed by a space inside a text: put the whole text in quotes, "
                'e.g. title: "Milan : un parcours"')
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return (f"invalid YAML: {problem} (check this line's indentation, and put a text "
                "that holds a colon or starts with a quote in quotes)")
    return f"invalid YAML: {problem}"


def field_message(error: dict) -> str:
    """One pydantic error, said as what to type."""
    kind = error["type"]
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind.startswith("date_") or kind.startswith("datetime_"):
        return date_fix(error.get("input"))
    if kind.startswith("time_"):
        return f"{error.get('input')!r} is not a time: write it hours:minutes, e.g. \"14:30\""
    if kind.startswith("url_"):
        value = str(error.get("input"))
        if _OTHER_SCHEME.match(value):  # javascript:, data:, ftp://: no https:// to add
            return f"{value!r}: only a web address (https://…) can go here"
        if "://" not in value:
            return f"{value!r} has no https://: write it https://{value}"
        return f"{value!r} is not a web address: check it in a browser and copy it again"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return error["msg"]
