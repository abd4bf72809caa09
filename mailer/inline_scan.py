"""Inline markup found in linear time: `[words](target)` links and `**`/`*` emphasis pairs.

A backtracking regex such as `\\*\\*(.+?)\\*\\*` or `\\[([^\\]]+)\\]\\(...\\)` tries every
opener and, when none is closed, reads the rest of the line again from each: a body of
`*a ` 16,000 times took 80 s to validate (quadratic time), and a console page hit the web
worker's timeout. These find the very matches re.finditer and re.sub find (leftmost first,
the nearest closer), but read each character a bounded number of times: an opener's closer
is looked up among the closers, and the openers an unclosed bracket shares are skipped.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator

_WORDS_END = re.compile(r"[\]\n]")


def links(pattern: re.Pattern[str], text: str, min_words: int, target_end: re.Pattern[str],
          target_start: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """The matches pattern.finditer(text) yields, for a `pattern` of the form
    `\\[([^\\]\\n]{min_words,})\\]\\((target)\\)` whose target runs up to the first match of
    `target_end` (which must be its `)`) and begins as `target_start` matches."""
    start, stop = text.find("["), -1  # stop: the first target_end at or after the last target
    while start != -1:
        words_end = _WORDS_END.search(text, start + 1)
        if words_end is None:
            return
        close, resume = words_end.start(), words_end.start() + 1
        # Every `[` before `close` shares its words' end, hence its fate: one try for all.
        if (text[close] == "]" and close - start - 1 >= min_words
                and text[close + 1:close + 2] == "("):
            begin = close + 2
            if stop < begin:
                found = target_end.search(text, begin)
                stop = found.start() if found else len(text)
            if text[stop:stop + 1] == ")" and target_start.match(text, begin, stop):
                match = pattern.match(text, start, stop + 1)  # the same match, read once
                if match:
                    yield match
                    resume = match.end()
        start = text.find("[", resume)


def substitute(matches: Iterable[re.Match[str]], replace: Callable[[re.Match[str]], str],
               text: str) -> str:
    """`text` with each of `matches` (in order, not overlapping) replaced, as re.sub does."""
    out, last = [], 0
    for match in matches:
        out += [text[last:match.start()], replace(match)]
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def pairs(text: str, opener: re.Pattern[str], closer: re.Pattern[str], width: int,
          wrap: Callable[[str], str]) -> str:
    """re.sub of `delimiter(.+?)delimiter` with `wrap(inner)`: `opener` and `closer` are
    zero-width patterns that find where a delimiter `width` characters long may open or
    close; the inner text holds at least one character and no line break."""
    closers = [found.start() for found in closer.finditer(text)]
    breaks = [found.start() for found in re.finditer("\n", text)]
    out, last = [], 0
    for found in opener.finditer(text):
        start = found.start()
        if start < last:
            continue
        index = bisect_left(closers, start + width + 1)
        if index == len(closers):
            break  # no closer after this opener, hence none after any later one
        end = closers[index]
        line_break = bisect_left(breaks, start + width)
        if line_break < len(breaks) and breaks[line_break] < end:
            continue  # a farther closer would hold the same line break
        out += [text[last:start], wrap(text[start + width:end])]
        last = end + width
    out.append(text[last:])
    return "".join(out)
