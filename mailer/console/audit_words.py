"""An audit entry's details in the member's words: the entry keeps codes and values as they
were (`verdict: "not_bounce"`, `role: "sender"`, `language: "fr"`, an ISO time, a list of
fields), and the audit page says each in the language of the one who reads it, numbers and
times as that language writes them (Babel).

A detail this module does not know is shown as it was stored; an empty one is left out. Words
the member's catalogue lacks come from the fallback's, still marked as such (a Word).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from babel.numbers import format_decimal

from mailer.catalogue import Catalogue, language_name
from mailer.console.base import written_time
from subscribers.csv_problems import MESSAGES as CSV_PROBLEMS

# Details whose value is a code with words in the catalogue, under this prefix.
CODES = {"verdict": "verdict_name_", "role": "role_name_", "fields": "audit_field_"}
SEPARATORS = {",": "separator_comma", ";": "separator_semicolon"}
# Who acted when nobody signed in: the entry keeps these names, the page says them.
ACTORS = {"command line": "actor_command_line", "circuit breaker": "actor_circuit_breaker"}
TIMES = ("at", "since")  # ISO 8601 moments


def actor(words: Catalogue, who: str) -> str:
    """A member's address as it is, or the command line and the circuit breaker in words."""
    return words.get(ACTORS.get(who, ""), who)


def details(words: Catalogue, action: str, detail: dict | None) -> list[tuple[str, str]]:
    """(name, value) in words of each detail of an entry of `action`, in stored order;
    details without a value (None, an empty list) left out."""
    shown = []
    for key, value in (detail or {}).items():
        if value is None or value == [] or value == "":
            continue
        shown.append((words.get(f"audit_detail_{key}") or key,
                      _value(words, action, key, value)))
    return shown


def _value(words: Catalogue, action: str, key: str, value: object) -> str:
    language = words.requested
    if isinstance(value, list):
        return ", ".join(_value(words, action, key, item) for item in value)
    if isinstance(value, int):
        return format_decimal(value, locale=language)
    value = str(value)
    if key in CODES:
        return words.get(CODES[key] + value) or value
    if key == "language":
        return language_name(value, language)
    if key == "separator":
        return words.get(SEPARATORS.get(value, ""), value)
    if key in TIMES:
        try:
            return written_time(datetime.fromisoformat(value), language)
        except ValueError:
            return value
    if action == "bounces undone" and key == "reason":  # mailer.bounces.undo.Scope's
        key = "verdict_name_soft" if value == "soft" else "cause_" + value.replace(" ", "_")
        return words.get(key, value)
    if action == "import rejected" and key == "reason":
        # The problem's code; its values were not kept: named by an ellipsis.
        messages = CSV_PROBLEMS.get(language, CSV_PROBLEMS["en"])
        message = messages.get(value) or CSV_PROBLEMS["en"].get(value)
        return message.format_map(defaultdict(lambda: "…")) if message else value
    return value
