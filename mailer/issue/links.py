"""Links: one rule for the link fields of the format and for `[text](target)` in any text.

A reader's client follows https, http and mailto addresses only; an address with a space,
without a scheme, empty or `#` would reach readers as broken markup or a dead link, so
each is a problem named with its line and field, and the message says the fix.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, HttpUrl, TypeAdapter, ValidationError

from mailer.inline_scan import links

SCHEMES = ("https://", "http://", "mailto:")
# Anything an author may have meant as a link, valid or not: [words](target), the target
# ending where the markup ends it (at the `)` that balances the link's `(`), so that what is
# checked is what readers get, and a refusal quotes the address whole.
MARKUP_LINK = re.compile(r"\[([^\]\n]*)\]\(([^\n]*)\)")
_TARGET_BREAK = re.compile(r"\n")
_ANY_START = re.compile("")  # any target: a link as written, good or bad
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HTTP = TypeAdapter(HttpUrl)


def markup_links(text: str) -> Iterator[re.Match[str]]:
    """The `[words](target)` of `text`, found in linear time (mailer.inline_scan says how)."""
    return links(MARKUP_LINK, text, 0, _TARGET_BREAK, _ANY_START)


def link_problem(target: str) -> str | None:
    """What is wrong with `target` as a link a reader will follow, or None when it is fine."""
    if not target.strip() or target.strip() == "#":
        return "a link without an address: write the full address, e.g. https://www.example.org/page"
    if any(character.isspace() for character in target):
        return f"a space in the address {target!r}: remove it (or write it %20)"
    # Pasted from a web page or a word processor: a zero-width space, a soft hyphen, a bidi
    # mark. Unseen by the author, they make another address (or none).
    hidden = next((c for c in target if unicodedata.category(c) in ("Cf", "Cc")), None)
    if hidden:
        return (f"an invisible character (U+{ord(hidden):04X}) in the address "
                f"{ascii(target)}: type the address again")
    lowered = target.lower()
    if not lowered.startswith(SCHEMES):
        if _EMAIL.match(target):
            return f"{target!r} is an e-mail address: write it mailto:{target}"
        if target.startswith("#"):
            return f"{target!r} points inside the page: write the full address with https://"
        if re.match(r"^[a-zA-Z][\w+.-]*:", target):
            return f"{target!r}: only https://, http:// and mailto: links are allowed"
        return f"{target!r} has no https://: write it https://{target.removeprefix('//')}"
    if lowered.startswith("mailto:"):
        if not _EMAIL.match(target[7:].split("?")[0]):
            return f"{target!r} is not an e-mail address after mailto:"
        return None
    try:
        _HTTP.validate_python(target)
    except ValidationError:
        return f"{target!r} is not a web address: check it in a browser and copy it again"
    return None


def _checked(value: object) -> object:
    if isinstance(value, str):
        problem = link_problem(value)
        if problem:
            raise ValueError(problem)
    return value


def _normal(value: str) -> str:
    # A web address as pydantic's HttpUrl writes it (as it was written before mailto was
    # allowed: a bare host gains its "/"), so that files rendered before render the same.
    return value if value.lower().startswith("mailto:") else str(_HTTP.validate_python(value))


# The type of every link field of the format: https, http or mailto.
Link = Annotated[
    str,
    BeforeValidator(_checked),
    AfterValidator(_normal),
    # For editors only: the validators above are the rule (and say the fix).
    Field(json_schema_extra={"format": "uri", "pattern": r"^([hH][tT][tT][pP][sS]?://|mailto:)\S+$"}),
]


def check_markup_links(texts, file: str, lines: dict, source: list[str]) -> list:
    """Every `[words](target)` of every text, in every language, that a reader could not follow.

    `texts` yields (location, Text) as translations._texts does.
    """
    from mailer.issue.loader import (  # the loader needs Link
        Problem,
        field_path,
        line_of,
        written_on,
    )

    problems = []
    for location, text in texts:
        for language, value in text.root.items():
            for found in markup_links(value or ""):
                problem = link_problem(found[2])
                if problem is None and not found[1].strip():
                    problem = "a link without words: write them between the brackets"
                if problem:
                    where = (*location, language)
                    line = written_on(source, line_of(lines, where), found[0])
                    problems.append(Problem(file, line, field_path(where),
                                            f"link [{found[1]}]: {problem}", "link",
                                            {"words": found[1], "hint": problem}))
    return problems
