"""Why the circuit breaker paused a campaign, kept as a code and its values, so that each
reader gets it in their language: the command line in English, the console in the staff
member's (the relay's own words beside, as it wrote them).

Stored in `Campaign.pause_reason` as JSON: {"code": …, "values": {…}, "relay": "…"}. A
reason stored before (plain English text) is shown as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from babel.core import UnknownLocaleError
from babel.numbers import format_decimal

from mailer.bounces import advice
from mailer.catalogue import Word

LIMIT = 500  # characters: the column's size
RELAY_SHOWN = 200  # characters of the relay's answer kept

WORDS = {
    "en": {
        "in_a_row": "{count} refusals in a row: {what} — {todo}",
        "share": "{count} of {seen} messages refused: {what} — {todo}",
        "sender_refused": "the relay refused our sending address: {what} — {todo}",
        "login": "the relay refused our login — check the relay's user and password",
    },
    "fr": {
        "in_a_row": "{count} refus de suite : {what} — {todo}",
        "share": "{count} messages refusés sur {seen} : {what} — {todo}",
        "sender_refused": "le relais a refusé notre adresse d'envoi : {what} — {todo}",
        "login": "le relais a refusé notre identification — vérifier l'identifiant et le "
                 "mot de passe du relais",
    },
}


@dataclass(frozen=True)
class PauseReason:
    """A code of WORDS, its values (numbers, and `cause`: a mailer.bounces.reasons value)
    and the relay's answer as it came."""

    code: str
    values: dict = field(default_factory=dict)
    relay: str = ""

    def stored(self) -> str:
        """The JSON kept in the campaign's row, within LIMIT characters."""
        relay = self.relay[:RELAY_SHOWN]
        while True:
            text = json.dumps({"code": self.code, "values": self.values, "relay": relay},
                              ensure_ascii=False)
            if len(text) <= LIMIT or not relay:
                return text
            relay = relay[: len(relay) - (len(text) - LIMIT) - 1]

    def words(self, language: str = "en") -> str:
        """The reason in `language` (English for one without words here), numbers written
        as the language does; without the relay's answer."""
        own = language if language in WORDS else "en"
        values = {key: _number(value, own) if isinstance(value, int) else value
                  for key, value in self.values.items()}
        cause = values.pop("cause", None)
        template = WORDS[own].get(self.code)
        if template is None:
            return self.code
        return template.format(**values, what=advice.what(cause, own),
                               todo=advice.todo(cause, own))

    def __str__(self) -> str:
        """English, with the relay's words: for logs and the command line."""
        if not self.code:
            return self.relay
        return f"{self.words()} (relay: {self.relay})" if self.relay else self.words()


def read(stored: str | None) -> PauseReason | None:
    """The reason kept in a campaign's row; an older plain text comes back as the relay's
    words of an unknown code, shown as it was written."""
    if not stored:
        return None
    try:
        data = json.loads(stored)
        return PauseReason(str(data["code"]), dict(data.get("values") or {}),
                           str(data.get("relay") or ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return PauseReason("", {}, stored)


def shown(stored: str | None, language: str = "en") -> tuple[str, str] | None:
    """(the reason in `language`, the relay's own words), or None if there is none. In a
    language without words here, the English ones, marked as English (a Word)."""
    reason = read(stored)
    if reason is None:
        return None
    if not reason.code:
        return "", reason.relay
    words = reason.words(language)
    return (words if language in WORDS else Word(words, "en")), reason.relay


def _number(value: int, language: str) -> str:
    try:
        return format_decimal(value, locale=language)
    except (ValueError, UnknownLocaleError):
        return str(value)
