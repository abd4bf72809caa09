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


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def preheader_warning(line: str, language: str = "fr", declared: bool = False,
                      subject: str = "") -> str | None:
    """Why `line`, the preheader in `language`, is poor, with what to write; or None.

    `declared`: the issue's `preheader:` gives it (the fix is then to that line), else it
    is the editorial's first sentence (the fix is to add one). `subject`: the edition's,
    which a declared preheader should not repeat: inboxes show it right after."""
    size = f"one sentence of {SHORTEST} to {LONGEST} characters that gives the news"
    example = (f'preheader: {{{language}: "{size[0].upper()}{size[1:]}"}} at the top level '
               "of the issue, beside title:")
    if not line.strip():
        add = f'{language}: "…" to preheader:, {size}' if declared else example
        return (f"no preheader: inboxes fill the line after the subject with the first words "
                f"of the email (\"View online\"); add {add}")
    if not declared:
        fix = f"add {example}"
        said = f"the preheader {line!r} (the editorial's first sentence)"
    else:
        fix = f"write instead {size}"
        said = f"the preheader {line!r}"
    if declared and _words(line) == _words(subject):
        return f"{said} repeats the title, which inboxes show just before it: {fix}"
    if is_greeting(line):
        return f"{said} is a greeting: inboxes show it after the subject; {fix}"
    if len(line) < SHORTEST:
        return (f"{said} is short ({len(line)} characters): inboxes show {SHORTEST} to "
                f"{LONGEST}, and fill the rest with other text of the email; {fix}")
    if declared and len(line) > LONGEST:
        return (f"the preheader {line[:50]!r}… is long ({len(line)} characters): inboxes cut "
                f"it after about {LONGEST}; {fix}")
    return None
