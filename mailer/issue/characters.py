"""Invisible characters in an issue's texts (mailer.invisible says which and why), and
template tags: each refused one is a problem on its field's line, with its position.

A tag pasted from another system (`{{ UnsubscribeURL }}`, `*|UNSUB|*`) or one of our own
per-recipient markers (`%%unsubscribe_url%%`) is not run: texts are data. Ours would be
filled with the recipient's link in the email but shown as written on the web page; the
others are shown as written everywhere. The footer carries those links in every email.

The subject (`title`), the preheader and people's names are one-line texts shown beside
others (a list of messages, a From): bidi isolates and line breaks are refused there too.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from mailer.inline_scan import substitute
from mailer.invisible import invisible_problem
from mailer.issue.links import markup_links
from mailer.issue.loader import Location, Problem, field_path, line_of, written_on
from mailer.issue.schema import Text

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\*\|[A-Z_:]+\|\*|%%[a-z_]+%%", re.DOTALL)
_TAG_WORD = re.compile(r"\*\|[A-Z_:]+\|\*|%%[a-z_]+%%")

ONE_LINE = {("title",), ("preheader",)}

# A double-quoted YAML text can spell control characters the file itself may not hold
# ("\0", "\e", "\x07", "\x85"): MJML cannot parse them, and a carriage return in a
# one-line text would reach a header. Tabs and line feeds are ordinary text.
# So can it spell half a UTF-16 pair ("\ud800"), which no UTF-8 text can hold: the render
# stopped on it with a traceback.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _strings(value: object, location: Location = ()):
    """Every string of `value` (an issue or a part of it) with its location."""
    if isinstance(value, str):
        yield location, value
    elif isinstance(value, Text):
        for language, text in value.root.items():
            yield (*location, language), text
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), (*location, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*location, index))


def _outside_links(text: str) -> str:
    """`text` with each `[words](target)`'s target blanked, at the same length: a link's
    address is checked by check_markup_links, which names it."""
    return substitute(markup_links(text), lambda link: f"[{link[1]}]({'x' * len(link[2])})",
                      text)


def _template_tag(text: str) -> re.Match[str] | None:
    """_TAG.search(text) in linear time. The regex tried each `{{` and read the rest of the
    text from it for a `}}`: `{%` 16,000 times took 13 s. Only the first `{{` (or `{%`)
    may open a tag: if no `}}` follows it, none follows any later one."""
    starts = []
    for opener, closer in (("{{", "}}"), ("{%", "%}")):
        start = text.find(opener)
        if start != -1 and text.find(closer, start + 2) != -1:
            starts.append(start)
    word = _TAG_WORD.search(text)
    if word:
        starts.append(word.start())
    return _TAG.match(text, min(starts)) if starts else None


def _line_of(source: list[str], start: int, text: str, index: int) -> int:
    """The line of the file where `text[index]` is written (a text spans several)."""
    begin = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    snippet = text[max(begin, index - 12): min(end if end >= 0 else len(text), index + 12)]
    return written_on(source, start, snippet) if snippet.strip() else start


def check_invisible(issue, file: str, lines: dict, source: list[str]) -> list[Problem]:
    """A problem for each text of `issue` that holds a refused invisible character, a
    line break where one line is expected, or a template tag."""
    problems = []
    for location, text in _strings(issue):
        one_line = location[:-1] in ONE_LINE or location[-1:] == ("name",)
        text = _outside_links(text)
        control = (_CONTROL_ONE_LINE if one_line else _CONTROL).search(text)
        what = "half of a UTF-16 pair" if control and "\ud800" <= control[0] <= "\udfff" \
            else "a control character"
        found = (control.start(), f"{what} U+{ord(control[0]):04X} at character "
                 f"{control.start() + 1} (a \\ escape in quotes): delete it") if control \
            else invisible_problem(text, one_line=one_line)
        if not found and one_line and "\n" in text.strip():
            # A subject's line break is folded away in the header but kept in the web
            # page's heading: the two would differ (`title: |` is the usual cause).
            found = (text.index("\n"), "a line break in a one-line text (a subject, a "
                     "preheader, a name): write it on one line, without | or >")
        tag = _template_tag(text) if not found else None
        if tag:
            found = (tag.start(), f"the template tag {tag[0]!r} at character {tag.start() + 1} "
                     "would be shown as written (texts are not templates; the footer of "
                     "every email carries the unsubscribe and preferences links): remove it")
        if found:
            line = _line_of(source, line_of(lines, location), text, found[0])
            problems.append(Problem(file, line, field_path(location), found[1]))
    return problems
