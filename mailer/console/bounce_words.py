"""The bounces package's codes in words, from the console's catalogue: why a message was
refused and what to do about it (`cause_<reason>`, `cause_<reason>_todo`), a receiving
domain's refusals of our own making (`refused_by`), why the circuit breaker paused a send
(`pause_<code>`).

The bounces package sits below the console and keeps codes and values only
(mailer.bounces.reasons, .pause, .counts); a page says them in the member's language, the
command line in English (`COMMAND_LINE`). A language whose catalogue lacks these keys gets
the fallback language's words, marked as such (mailer.catalogue.Word), numbers written as
the words' language writes them.
"""

from __future__ import annotations

from babel.core import UnknownLocaleError
from babel.numbers import format_decimal

from mailer.bounces.counts import Refusals
from mailer.bounces.pause import read
from mailer.bounces.reasons import FAULT, Fault, Reason
from mailer.catalogue import Catalogue, Word, fill
from mailer.console.base import labels
from mailer.counting import COMMAND_LINE, counted


def _reason(value: str | None) -> Reason:
    try:
        return Reason(value or Reason.UNKNOWN)
    except ValueError:  # a value of a later version, or a hand-edited row
        return Reason.UNKNOWN


def _key(cause: str | None) -> str:
    return "cause_" + _reason(cause).value.replace(" ", "_")


def what(words: Catalogue, cause: str | None) -> str:
    """The reason (a mailer.bounces.reasons value) in words: "mailbox full"."""
    return words[_key(cause)]


def todo(words: Catalogue, cause: str | None) -> str:
    """What staff should do about it: "check DKIM, SPF and DMARC of the sending domain"."""
    return words[_key(cause) + "_todo"]


def is_senders(cause: str | None) -> bool:
    """A reason that is ours or the network's, whose advice is worth saying."""
    return FAULT[_reason(cause)] in (Fault.SENDER, Fault.PATH)


def locale_of(words: Catalogue, template: str) -> str:
    """The language numbers are written in: the words' own (a fallback's, if borrowed)."""
    return template.lang if isinstance(template, Word) else words.requested


def decimal(n: int, locale: str) -> str:
    try:
        return format_decimal(n, locale=locale)
    except (ValueError, UnknownLocaleError):
        return str(n)


def refused(words: Catalogue, row: Refusals) -> str:
    """"gmail.com refused 1,204 messages: sender not authenticated — check DKIM…"; the
    advice only for the reasons that are the sender's or the path's."""
    template = words["refused_by_todo" if is_senders(row.cause) else "refused_by"]
    locale = locale_of(words, template)
    try:
        messages = counted(words["refused_messages"], row.count, locale)
    except (ValueError, UnknownLocaleError):
        messages = str(row.count)
    return fill(template, who=row.domain or words["the_relay"], messages=messages,
                what=what(words, row.cause), todo=todo(words, row.cause))


def pause_reason(words: Catalogue, stored: str | None) -> tuple[str, str] | None:
    """(why the breaker paused, in words; the relay's answer as it came) of a campaign's
    `pause_reason` column, or None. A reason stored as plain text before codes (no code)
    is shown as the relay's words only."""
    reason = read(stored)
    if reason is None:
        return None
    if not reason.code:
        return "", reason.relay
    template = words.get(f"pause_{reason.code}")
    if template is None:
        return fill(words["pause_unknown"], code=reason.code), reason.relay
    locale = locale_of(words, template)
    values = {key: decimal(value, locale) if isinstance(value, int) else value
              for key, value in reason.values.items() if key != "cause"}
    cause = reason.values.get("cause")
    try:
        said = fill(template, **values, what=what(words, cause), todo=todo(words, cause))
    except KeyError:  # a value the words need is missing from the row
        said = fill(words["pause_unknown"], code=reason.code)
    return said, reason.relay


def said_on_the_command_line(stored: str | None) -> str | None:
    """The pause reason in English, the relay's answer after it, for `campaign status`."""
    shown = pause_reason(labels(COMMAND_LINE), stored)
    if shown is None:
        return None
    why, relay = shown
    if not why:
        return relay
    return f"{why} (relay: {relay})" if relay else str(why)
