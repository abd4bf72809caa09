"""The words of a problem: what is wrong, then the fix, in terms an editor knows.

YAML's and pydantic's own messages ("mapping values are not allowed here", "invalid
character in year") name the parser's trouble, not the author's; these say what to type.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

# A scheme other than the web's (`javascript:`, `data:`, `ftp://`), not a host:port.
_OTHER_SCHEME = re.compile(r"(?!https?:)[a-z][a-z0-9+.-]*:(?!\d)", re.IGNORECASE)

_SIMPLE = {"missing": "missing", "extra_forbidden": "unknown field"}
_DAY_MONTH_YEAR = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")


def date_fix(value: object) -> str:
    """'15/01/2018' → the ISO date to write instead, when it can be told."""
    if isinstance(value, dt.datetime):  # YAML reads `2026-11-20T10:00` as a date and time
        return (f"{value.isoformat(sep=' ')} is a date and a time: write the date only, "
                f"{value.date().isoformat()}")
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


FORMATS = {"a date": "write it year-month-day, e.g. 2027-01-15",
           "a time": 'write it hours:minutes in quotes, e.g. "14:30"'}
_LANGUAGE_KEY = re.compile(r"^[a-z]{2,3}$")


def kind_of(value: object) -> str:
    """What a YAML value is, in an author's words: 'a yes/no value (true)'."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a yes/no value ({str(value).lower()})"
    if isinstance(value, int):
        return f"a number ({value})"
    if isinstance(value, float):
        return f"a decimal number ({value!r})"
    if isinstance(value, str):
        return f"a text ({value!r})"
    if isinstance(value, list):
        return "a list (- lines)"
    if isinstance(value, dict):
        return "key: value lines"
    return type(value).__name__


def _type_message(kind: str, value: object, location: tuple) -> str | None:
    """Expected a number, a text, a list or key: value lines, and got something else."""
    if kind in ("int_type", "int_parsing", "int_from_float"):
        quoted = isinstance(value, str) and value.strip().isdigit()
        fix = "remove the quotes" if quoted else "write it in digits"
        return f"expected a whole number, e.g. 83, not {kind_of(value)}: {fix}"
    if kind == "string_type":
        if value is None:
            return "empty: write the text after the colon, or remove the line"
        if isinstance(value, bool | int | float):
            return (f"expected a text, not {kind_of(value)}: put it in quotes, "
                    f'e.g. "{str(value).lower() if isinstance(value, bool) else value}"')
        return f"expected a text, not {kind_of(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        hint = ("one line per language below it, indented: fr: …, en: …"
                if location and location[-1] in _TEXT_NAMES
                else "key: value lines below it, indented")
        return f"expected {hint}; not {kind_of(value)}"
    if kind == "list_type":
        return ("expected a list (each item on its own line, starting with - ), not "
                f"{kind_of(value)}")
    return None


# Fields whose value is a Text (one line per language).
_TEXT_NAMES = {"title", "body", "summary", "alt", "caption", "role", "place", "link_text",
               "description", "closing", "preheader", "contact_text"}


def _unseen(key: str) -> tuple[str, dict] | None:
    """The words for a field name that holds a space, a no-break space or an invisible
    character (pasted from a word processor): shown, it looks like a known field."""
    unseen = [unicodedata.category(char) in ("Zs", "Cf", "Cc", "Zl", "Zp") for char in key]
    if not any(unseen):
        return None
    index = unseen.index(True)
    values = {"char": f"U+{ord(key[index]):04X}",
              "name": unicodedata.name(key[index], "a control character").lower(),
              "position": index + 1,
              "meant": "".join(char for char, hidden in zip(key, unseen, strict=True)
                               if not hidden)}
    return ("unknown field: its name holds {char} ({name}) at character {position}; type "
            "the name again: '{meant}'?".format(**values), values)


def _lookalike(key: str) -> tuple[str, dict] | None:
    """The words for a field name that holds a letter of another script that looks like
    one of ours (Cyrillic і, Greek ο, a full-width ｔ): a known field, letter for letter,
    where every difference is such a letter."""
    for meant in known_fields():
        if len(meant) != len(key) or key == meant:
            continue
        differ = [i for i, (a, b) in enumerate(zip(key, meant, strict=True)) if a != b]
        if all(not key[i].isascii() for i in differ):
            index = differ[0]
            values = {"char": f"U+{ord(key[index]):04X}",
                      "name": unicodedata.name(key[index], "?").lower(),
                      "position": index + 1, "letter": meant[index], "meant": meant}
            return ("unknown field: its name holds {char} ({name}) at character {position}, "
                    "which looks like '{letter}' but is another letter; type the name "
                    "again: '{meant}'?".format(**values), values)
    return None


@lru_cache(maxsize=1)
def known_fields() -> frozenset[str]:
    """Every field name of the issue format, at any depth."""
    from mailer.issue.schema import Issue

    def walk(model) -> set[str]:
        names = set(model.model_fields)
        for field in model.model_fields.values():
            for inner in models_in(field.annotation):
                names |= walk(inner)
        return names

    return frozenset(walk(Issue))


def models_in(annotation) -> list:
    """The pydantic models inside a field's type (list[Section] | None → [Section])."""
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in models_in(arg)]


def field_problem(error: dict) -> tuple[str, str, dict]:
    """One pydantic error as (message, code, values): the code and values let the console
    say it in the staff member's language (empty code: the English message only)."""
    location = tuple(error.get("loc", ()))
    if error["type"] == "extra_forbidden" and location:
        for check, code in ((_unseen, "field_unseen"), (_lookalike, "field_lookalike")):
            found = check(str(location[-1]))
            if found:
                return found[0], code, found[1]
    code = {"missing": "field_missing", "extra_forbidden": "field_unknown"}.get(error["type"], "")
    return field_message(error), code, {}


def field_message(error: dict) -> str:
    """One pydantic error, said as what to type."""
    kind = error["type"]
    location = tuple(error.get("loc", ()))
    typed = _type_message(kind, error.get("input"), location)
    if typed:
        return typed
    if kind == "extra_forbidden" and location:
        found = _unseen(str(location[-1])) or _lookalike(str(location[-1]))
        if found:
            return found[0]
    if kind == "extra_forbidden" and location and _LANGUAGE_KEY.match(str(location[-1])):
        return (f"unknown field: if {location[-1]}: is a translation, indent it like the other "
                "languages of its text")
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = error.get("ctx", {})
        if "ge" in bound:
            return f"{error.get('input')!r} is too small: the least is {bound['ge']}"
        return f"{error.get('input')!r} is too large: the most is {bound.get('le')}"
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
    if kind == "literal_error":
        return _choice(error.get("input"), error.get("ctx", {}).get("expected", ""))
    if kind == "too_short" and error.get("ctx", {}).get("field_type") == "List":
        least = error["ctx"].get("min_length", 1)
        return (f"an empty list: give at least {least} item{'s' if least > 1 else ''} (each "
                "on its own line, starting with - ), or remove the line")
    return error["msg"]


def _choice(value: object, expected: str) -> str:
    """A word that is not one of the few the format takes (pydantic's `expected` is
    "'cites', 'network' or 'moves'")."""
    words = re.findall(r"'([^']*)'", expected)
    if isinstance(value, str) and value.strip().lower() in words:
        return f"{value!r}: write it {value.strip().lower()!r}, in small letters"
    return f"{kind_of(value)} is not one of {', '.join(words)}: write one of them"
