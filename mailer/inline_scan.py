"""Inline markup found in linear time: `[words](target)` links and `**`/`*` emphasis pairs.

A backtracking regex such as `\\*\\*(.+?)\\*\\*` or `\\[([^\\]]+)\\]\\(...\\)` tries every
opener and, when none is closed, reads the rest of the line again from each: a body of
`*a ` 16,000 times took 80 s to validate (quadratic time), and a console page hit the web
worker's timeout. These find the very matches re.finditer and re.sub find (leftmost first,
the nearest closer), but read each character a bounded number of times: an opener's closer
is looked up among the closers, and the openers an unclosed bracket shares are skipped. A
link's address ends at the `)` that balances its `(`, which no regex can count: where each
one would end is worked out once for the whole text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator

_WORDS_END = re.compile(r"[\]\n]")


def _target_ends(text: str, target_break: re.Pattern[str]) -> list[int]:
    """For each index of `text`, where a target starting there ends (the index of its `)`,
    or -1): at the `)` that balances the link's `(`, so that a `(` opened in the address is
    closed in it, as CommonMark reads a link destination (https://fr.wikipedia.org/wiki/
    Lyon_(France)); when none comes before a `target_break`, at the first `)` (the reading
    of an unbalanced address before parentheses counted). One pass from the end: linear."""
    breaks = {found.start() for found in target_break.finditer(text)}
    balanced, first = [-1] * (len(text) + 1), [-1] * (len(text) + 1)
    for index in range(len(text) - 1, -1, -1):
        if text[index] == ")":
            balanced[index] = first[index] = index
        elif index not in breaks:
            first[index] = first[index + 1]
            # A `(`: past the `)` that closes it, the target ends where it ends from there.
            inner = balanced[index + 1] if text[index] == "(" else index
            balanced[index] = balanced[inner + 1] if inner != -1 else -1
    return list(map(max, balanced, first))  # the balancing `)` comes at or after the first


def links(pattern: re.Pattern[str], text: str, min_words: int, target_break: re.Pattern[str],
          target_start: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """The links of `text`, leftmost first, for a `pattern` of the form
    `\\[([^\\]\\n]{min_words,})\\]\\((target)\\)`: the target holds no match of
    `target_break`, begins as `target_start` matches and ends as _target_ends says (no
    regex can count parentheses); `pattern` is matched up to that `)` only."""
    start, ends = text.find("["), None
    while start != -1:
        words_end = _WORDS_END.search(text, start + 1)
        if words_end is None:
            return
        close, resume = words_end.start(), words_end.start() + 1
        # Every `[` before `close` shares its words' end, hence its fate: one try for all.
        if (text[close] == "]" and close - start - 1 >= min_words
                and text[close + 1:close + 2] == "("):
            if ends is None:  # read once, when a link may be there
                ends = _target_ends(text, target_break)
            stop = ends[close + 2]
            if stop != -1 and target_start.match(text, close + 2, stop):
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
