"""Texts built to make inline markup slow: an opener never closed, repeated 16,000 times
(48 KB). Each regex tried every opener and read the rest of the text from it (quadratic
time: `*a ` took 80 s to validate, and the console's issue page hit the worker's timeout);
each is read in linear time now, with the same output as before."""

from __future__ import annotations

import contextlib
import json
import random
import re
import time

import pytest

from mailer import markup
from mailer.issue import IssueInvalid, load_issue
from mailer.issue.characters import _TAG, _template_tag
from mailer.issue.links import markup_links
from tests.render.conftest import MINIMAL

N = 16_000
SHAPES = {
    "italic": "*a ", "bold": "**a ", "underscore": "_a ", "bracket": "[a", "paren": "[a](",
    "nested": "[", "closing": "](", "link": "[a](http://x", "link words": "[x](",
    "backslashes": "\\", "line breaks": "*a\n", "url": "http://a.", "tag": "{{", "block": "{%",
    "word tag": "*|A", "open parens": "[a](http://x(", "parens": "(",
    "closed parens": "[a](http://x(a)", "unbalanced parens": "[a](http://x((a)",
    "bare parens": "http://x(",
}
# Whole texts: a link's address ends at the `)` that balances its `(`, here N deep.
WHOLE = {"dots": "http://a" + "." * N + "x",
         "deep parens": "[a](http://x" + "(a" * N + ")" * (N + 1) + " http://x" + "(" * N,
         "deep and unbalanced": "[a](http://x" + "(" * N + "[a](http://x" + ")" * (N // 2)}
BOUND = 3.0  # seconds; 0.1 on a laptop, 2.6 to 80 s before


def _issue(tmp_path, body: str):
    text = MINIMAL.replace("en: Hello everyone.", "en: " + json.dumps(body))  # YAML too
    path = tmp_path / "083.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("shape", [*SHAPES, *WHOLE])
def test_each_shape_is_read_and_formatted_in_linear_time(tmp_path, shape):
    body = WHOLE.get(shape) or SHAPES[shape] * N
    path = _issue(tmp_path, body)
    started = time.monotonic()
    with contextlib.suppress(IssueInvalid):  # an address 32,000 characters long is refused
        load_issue(path)
    markup.to_html(body, "fr"), markup.to_text(body), list(markup_links(body))
    assert time.monotonic() - started < BOUND


def _balanced(character: str, depth: int = 21) -> str:
    """`character`s and parentheses that balance, nested `depth` deep at most."""
    inner = character
    for _ in range(depth):
        inner = rf"(?:{character}|\((?:{inner})*\))"
    return inner


# The regexes the scans replace: they give the reference output. A link's address ends at
# the `)` that balances its `(` (texts here nest 20 deep at most), else at the first `)`.
_IN_ADDRESS, _IN_TARGET = _balanced(r"[^()\s]"), _balanced(r"[^()\n]")
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?i:https?://|mailto:)"
                   rf"(?:{_IN_ADDRESS}+|[^\s)]+))\)")
_MARKUP_LINK = re.compile(rf"\[([^\]\n]*)\]\(((?:{_IN_TARGET})*|[^)\n]*)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])")
_URL_TAIL = re.compile(r"(?:[.,;:!?)»]|&quot;|&#x27;|&gt;)$")
_PIECES = ["*", "**", "[", "]", "(", ")", "](", "http://", "HTTPS://x", "mailto:", " ", "\n",
           "a", "é", "_", ".", "&gt;", "&quot;", ";", "1er", "»", "{{", "}}", "{%", "%}", "*|",
           "|*", "A", "%%"]


def test_the_scans_find_what_the_regexes_found():
    pick = random.Random(83)
    for _ in range(10_000):
        text = "".join(pick.choice(_PIECES) for _ in range(pick.randint(0, 20)))
        assert ([m.span() + m.groups() for m in markup._links(text)]
                == [m.span() + m.groups() for m in _LINK.finditer(text)]), text
        assert ([m.span() + m.groups() for m in markup_links(text)]
                == [m.span() + m.groups() for m in _MARKUP_LINK.finditer(text)]), text
        assert (markup._emphasis(text, "<b>{}</b>", "<i>{}</i>")
                == _ITALIC.sub(r"<i>\1</i>", _BOLD.sub(r"<b>\1</b>", text))), text
        old, new = _TAG.search(text), _template_tag(text)
        assert (old and (old.span(), old[0])) == (new and (new.span(), new[0])), text
        url = text.replace("\n", "")  # an address holds no line break
        assert markup._without_tail(url) == _without_tail(url), text


def _without_tail(url: str) -> str:
    """One sign at a time; a `)` only while the address has more `)` than `(` (GFM)."""
    while (tail := _URL_TAIL.search(url)) and (
            tail[0] != ")" or url.count(")") > url.count("(")):
        url = url[:tail.start()]
    return url


def test_a_normal_text_keeps_its_output():
    assert markup.inline_html("**Bold**, *italic* and [the site](https://example.org/a), "
                              "see https://example.org/b.") == (
        '<strong>Bold</strong>, <em>italic</em> and <a href="https://example.org/a">the site'
        '</a>, see <a href="https://example.org/b">https://example.org/b</a>.')


def test_a_template_tag_is_still_found(tmp_path):
    text = MINIMAL.replace("en: Hello everyone.", 'en: "Hello {{ name }}, {%"')
    path = tmp_path / "083.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IssueInvalid) as caught:
        load_issue(path)
    assert "the template tag '{{ name }}' at character 7" in str(caught.value)
