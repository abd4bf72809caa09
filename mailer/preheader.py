"""The preheader: the line an inbox shows after the subject.

Unless the issue gives one, it is the editorial's first sentence after the greeting:
"Chères et chers membres," says nothing in a list of messages, what follows does.
Inboxes show some 40 to 140 characters; a shorter line lets the client fill the rest
with whatever text comes next in the body ("View online", a logo's alt text).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mailer import markup

SHORTEST = 40  # characters: under this, the inbox fills the line with other text
LONGEST = 140
_GREETING_WORDS = re.compile(
    r"^(chers?|chères?|bonjour|bonsoir|madame|monsieur|mesdames|messieurs|dear|hello|hi"
    r"|greetings|to all)\b", re.IGNORECASE)


def is_greeting(paragraph: str) -> bool:
    """A salutation line: ending with a comma, or short and opening with a greeting word
    ("Bonjour à toutes et à tous.")."""
    paragraph = paragraph.strip()
    if not paragraph or len(paragraph) > 120:
        return False
    return paragraph.endswith((",", ":")) or (
        _GREETING_WORDS.match(paragraph) is not None and len(paragraph) <= 60)


def _shorten(line: str) -> str:
    if len(line) <= LONGEST:
        return line
    return line[: LONGEST - 1].rsplit(" ", 1)[0].rstrip(",;: \u00a0\u202f") + "…"


def preheader(issue, text: Callable) -> str:
    """The issue's preheader in one language; `text` picks (and typesets) a Text."""
    declared = text(issue.preheader)
    if declared or issue.editorial is None:
        return declared
    paragraphs = [block.lines[0] for block in markup.blocks(text(issue.editorial.body))
                  if block.kind == "p"]
    while len(paragraphs) > 1 and is_greeting(markup.inline_text(paragraphs[0])):
        paragraphs.pop(0)
    if not paragraphs:
        return ""
    return _shorten(markup.inline_text(markup.first_sentence(paragraphs[0])))


def preheader_warning(line: str, language: str = "fr") -> str | None:
    """Why `line`, the preheader in `language`, is poor, with what to write; or None."""
    example = (f'preheader: {{{language}: "One sentence of {SHORTEST} to {LONGEST} characters '
               'that gives the news"} at the top level of the issue, beside title:')
    if not line.strip():
        return (f"no preheader: inboxes fill the line after the subject with the first words "
                f"of the email (\"View online\"); add {example}")
    if is_greeting(line):
        return (f"the preheader {line!r} is a greeting: inboxes show it after the subject; "
                f"give the news instead: {example}")
    if len(line) < SHORTEST:
        return (f"the preheader {line!r} is short ({len(line)} characters): inboxes show "
                f"{SHORTEST} to {LONGEST}, and fill the rest with other text of the email; "
                f"write a longer one: {example}")
    return None
