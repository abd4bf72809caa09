"""The small markup of article bodies, made safe: escaped first, then formatted.

Blocks are separated by blank lines; a block whose lines all start with "- " is a bullet
list, any other block a paragraph. Inline: **bold**, *italic*, [text](url) with http,
https or mailto URLs only (the loader refuses any other target; the URL ends at the `)`
that balances its `(`, as in CommonMark), and a bare https:// or http:// address becomes a
link to itself. Nothing the author types can become HTML of its own. French ordinals (1er,
15e) are set as superscript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from mailer.inline_scan import links, pairs, substitute
from mailer.typography import superscript_ordinals

# Found by mailer.inline_scan in linear time: the address holds no space and ends at the
# `)` that balances the link's `(` (https://fr.wikipedia.org/wiki/Lyon_(France)).
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?i:https?://|mailto:)\S+)\)")
_LINK_BREAK = re.compile(r"\s")
_LINK_START = re.compile(r"(?i:https?://|mailto:)[^\s)]")
# **bold**: `\*\*(?=\S)(.+?)(?<=\S)\*\*`; *italic*: `(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])`.
_BOLD = (re.compile(r"(?=\*\*\S)"), re.compile(r"(?<=\S)(?=\*\*)"), 2)
_ITALIC = (re.compile(r"(?<![*\w])(?=\*\S)"), re.compile(r"(?<=\S)(?=\*(?![*\w]))"), 1)
_BULLET = re.compile(r"^\s*[-•]\s+")
# A bare address in escaped text; what ends a sentence after it is not part of it.
_BARE_URL = re.compile(r"https?://[^\s<>\"\[\]]+")
# Longest first: `;` alone would leave `&gt` behind.
_URL_TAIL = ("&quot;", "&#x27;", "&gt;", *".,;:!?)»")


@dataclass(frozen=True)
class Block:
    kind: str  # "p" or "ul"
    lines: tuple[str, ...]


def _is_item(line: str) -> bool:
    return _BULLET.match(line) is not None


def _close(run: list[str], out: list[Block]) -> None:
    if run and _is_item(run[0]):
        out.append(Block("ul", tuple(_BULLET.sub("", item) for item in run)))
    elif run:
        out.append(Block("p", (" ".join(run),)))


def blocks(source: str) -> list[Block]:
    """Paragraphs and bullet lists; a list may follow its introducing line directly."""
    out: list[Block] = []
    for chunk in re.split(r"\n\s*\n", source.strip()):
        run: list[str] = []
        for line in filter(None, (line.strip() for line in chunk.splitlines())):
            if run and _is_item(line) != _is_item(run[0]):
                _close(run, out)
                run = []
            run.append(line)
        _close(run, out)
    return out


def _without_tail(url: str) -> str:
    """`url` without the punctuation that ends a sentence after it, stripped from the end
    (a regex ending in `+$` tried it from every position: quadratic on a run of dots). A
    `)` stays when it closes a `(` of the address, as GFM's autolinks keep it: the one of
    "(voir https://example.org/page)" goes, the one of ".../wiki/Lyon_(France)" stays."""
    end, unopened = len(url), url.count(")") - url.count("(")
    while tail := next((t for t in _URL_TAIL if url.endswith(t, 0, end)), ""):
        if tail == ")" and unopened <= 0:
            break
        unopened -= tail == ")"
        end -= len(tail)
    return url[:end]


def _links(text: str):
    return links(_LINK, text, 1, _LINK_BREAK, _LINK_START)


def _emphasis(text: str, bold: str, italic: str) -> str:
    text = pairs(text, *_BOLD, lambda inner: bold.format(inner))
    return pairs(text, *_ITALIC, lambda inner: italic.format(inner))


def _autolink(escaped: str, style: str, language: str) -> str:
    out, last = [], 0
    for found in _BARE_URL.finditer(escaped):
        url = _without_tail(found[0])
        if "://" not in url[:-1] or url.endswith("://"):
            continue
        out += [superscript_ordinals(escaped[last:found.start()], language),
                f'<a href="{url}"{style}>{url}</a>']
        last = found.start() + len(url)
    out.append(superscript_ordinals(escaped[last:], language))
    return "".join(out)


def inline_html(text: str, link_style: str = "", language: str = "") -> str:
    """One line of markup as safe HTML: escaped first, then links, ordinals, emphasis."""
    text = escape(text, quote=True)
    style = f' style="{link_style}"' if link_style else ""
    out, last = [], 0
    for found in _links(text):
        words = superscript_ordinals(found[1], language)
        out += [_autolink(text[last:found.start()], style, language),
                f'<a href="{found[2]}"{style}>{words}</a>']
        last = found.end()
    out.append(_autolink(text[last:], style, language))
    return _emphasis("".join(out), "<strong>{}</strong>", "<em>{}</em>")


def inline_text(text: str) -> str:
    text = substitute(_links(text), lambda m: m[1] if m[2].endswith(m[1])
                      else f"{m[1]} ({m[2]})", text)
    return _emphasis(text, "{}", "{}")


def to_html(source: str, language: str = "") -> str:
    parts = []
    for block in blocks(source):
        if block.kind == "ul":
            items = "".join(f"<li>{inline_html(line, language=language)}</li>"
                            for line in block.lines)
            parts.append(f'<ul style="margin:0 0 12px 0;padding-left:22px">{items}</ul>')
        else:
            line = inline_html(block.lines[0], language=language)
            parts.append(f'<p style="margin:0 0 12px 0">{line}</p>')
    return "".join(parts)


def to_text(source: str) -> str:
    parts = []
    for block in blocks(source):
        if block.kind == "ul":
            parts.append("\n".join(f"  • {inline_text(line)}" for line in block.lines))
        else:
            parts.append(inline_text(block.lines[0]))
    return "\n\n".join(parts)


def first_block(source: str) -> str:
    """The first paragraph, used as the summary of a long article in the email."""
    found = blocks(source)
    return found[0].lines[0] if found else ""


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\s\u202f]+(?=[^\s\u202f])")


def first_sentence(paragraph: str) -> str:
    """The first sentence of a paragraph of plain text (the whole of it if there is one)."""
    return _SENTENCE_END.split(paragraph.strip(), maxsplit=1)[0]
