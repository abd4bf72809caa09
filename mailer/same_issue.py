"""Words for the people launching an issue whose number went out before, on the command
line (`send`, `demo`; the console says them from its catalogue): where the number is
written, that the send reaches only those not reached yet, or why it is refused."""

from __future__ import annotations

import re
from pathlib import Path

from mailer.counting import how_many

# A top-level key starts its line (YAML's block style; a nested key is indented).
_NUMBER = re.compile(r"^\ufeff?number[ \t]*:", re.MULTILINE)


def number_line(path: str | Path) -> int:
    """The line (from 1) where the issue file at `path` writes its `number:`; 0 when the
    file cannot be read or writes none at the start of a line."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    found = _NUMBER.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else 0


def people(n: int) -> str:
    """"1 subscriber", "1,200 subscribers"."""
    return how_many(n, "subscriber", "subscribers")


def reached_note(number: int | None, on: str, slug: str, reached: int, remaining: int) -> str:
    """"Issue 91 was already sent on 2026-11-20 (from 091.yaml) to 3 subscribers; this send
    reaches only the 7 who were not reached." `on`: the date as written for the reader."""
    issue = f"Issue {number}" if number else f"This issue ({slug}.yaml)"
    rest = (f"this send reaches only the {remaining:,} who {'was' if remaining == 1 else 'were'}"
            " not reached." if remaining else
            "this send reaches nobody: every subscriber on the list was reached.")
    return f"{issue} was already sent on {on} (from {slug}.yaml) to {people(reached)}; {rest}"


def refusal(file: str, before, language: str) -> str:
    """Why a send of `file` is refused: its number went out before (`before`, a
    workers.issue_sent.SentBefore) under another title in `language`; and the two fixes."""
    line = number_line(file)
    where = f"{file}, line {line}" if line else file
    on = f"{before.on:%Y-%m-%d}"
    title = before.titles.get(language, "")
    return (f"{file}: issue {before.number} was already sent on {on} as «{title}» (from "
            f"{before.slug}.yaml). If this is another issue, give it its own number: change "
            f"`number:` in {where}. If it is the same issue with a corrected title, use "
            "`infolettre send --same-issue`: it then goes only to the subscribers who have not "
            "received it.")


def sent_before_or_refuse(session, file: str, editions: dict, same_issue: bool = False):
    """The earlier send of the issue in `editions` (workers.issue_sent.SentBefore), or None;
    UserError when that was under another title, unless `same_issue` (the person launching
    said it is this issue, retitled)."""
    from mailer.errors import UserError
    from workers.issue_sent import sent_before

    first = next(iter(editions.values()))
    before = sent_before(session, first.number or None, first.slug)
    language = None if before is None or same_issue else before.retitled(editions)
    if language is not None:
        raise UserError(refusal(file, before, language))
    return before
