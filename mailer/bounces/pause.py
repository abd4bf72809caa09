"""Why the circuit breaker paused a campaign, kept as a code and its values only: the
console says it in each reader's language (mailer.console.bounce_words, words in its
catalogue, `pause_<code>`), the relay's own words beside, as it wrote them.

Stored in `Campaign.pause_reason` as JSON: {"code": …, "values": {…}, "relay": "…"}. A
reason stored before (plain English text) comes back with no code, as the relay's words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

LIMIT = 500  # characters: the column's size
RELAY_SHOWN = 200  # characters of the relay's answer kept
# The codes the breaker gives (mailer.bounces.breaker), and a DKIM key that cannot sign
# (workers.sending), each with its words in the catalogue.
CODES = ("in_a_row", "share", "sender_refused", "login", "hard_in_a_row", "dkim_key")


@dataclass(frozen=True)
class PauseReason:
    """A code of CODES, its values (counts, and `cause`: a mailer.bounces.reasons value)
    and the relay's answer as it came."""

    code: str
    values: dict = field(default_factory=dict)
    relay: str = ""

    def stored(self) -> str:
        """The JSON kept in the campaign's row, within LIMIT characters: the relay's answer
        cut first, then the longest text among the values (a DKIM key's long path)."""
        relay, values = self.relay[:RELAY_SHOWN], dict(self.values)
        while True:
            text = json.dumps({"code": self.code, "values": values, "relay": relay},
                              ensure_ascii=False)
            over = len(text) - LIMIT
            texts = [name for name, value in values.items() if isinstance(value, str) and value]
            if over <= 0 or not (relay or texts):
                return text
            if relay:
                relay = relay[: max(len(relay) - over - 1, 0)]
            else:
                longest = max(texts, key=lambda name: len(values[name]))
                cut = values[longest][: len(values[longest]) - over - 2]
                values[longest] = cut + "…" if cut else ""

    def __str__(self) -> str:
        """The code and values, for the logs: `share count=12 seen=40 cause=policy`."""
        if not self.code:
            return self.relay
        values = " ".join(f"{key}={value}" for key, value in self.values.items())
        relay = f" (relay: {self.relay})" if self.relay else ""
        return f"{self.code}{' ' + values if values else ''}{relay}"


def read(stored: str | None) -> PauseReason | None:
    """The reason kept in a campaign's row; an older plain text comes back as the relay's
    words of no code, shown as it was written."""
    if not stored:
        return None
    try:
        data = json.loads(stored)
        return PauseReason(str(data["code"]), dict(data.get("values") or {}),
                           str(data.get("relay") or ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return PauseReason("", {}, stored)
