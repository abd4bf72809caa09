"""Texts built to make inline markup slow: an opener never closed, repeated 16,000 times
(48 KB). Each regex tried every opener and read the rest of the text from it (quadratic
time: `*a ` took 80 s to validate, and the console's issue page hit the worker's timeout);
each is read in linear time now, with the same output as before."""

from __future__ import annotations

import json
import random
import re
import time

import pytest

from mailer import markup
from mailer.issue import IssueInvalid, load_issue
from mailer.issue.characters import _TAG, _template_tag
from mailer.issue.links import MARKUP_LINK, markup_links
from tests.render.conftest import MINIMAL

N = 16_000
SHAPES = {
    "italic": "*a ", "bold": "**a ", "underscore": "_a ", "bracket": "[a", "paren": "[a](",
    "nested": "[", "closing": "](", "link": "[a](http://x", "link words": "[x](",
    "backslashes": "\\", "line breaks": "*a\n", "url": "http://a.", "tag": "{{", "block": "{%",
    "word tag": "*|A", "dots": ".",
}
BOUND = 3.0  # seconds; 0.1 on a laptop, 2.6 to 80 s before


def _issue(tmp_path, body: str):
    text = MINIMAL.replace("en: Hello everyone.", "en: " + json.dumps(body))  # YAML too
    path = tmp_path / "083.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_shape_is_read_and_formatted_in_linear_time(tmp_path, shape):
    body = SHAPES[shape] * N if shape != "dots" else "http://a" + "." * N + "x"
    path = _issue(tmp_path, body)
    started = time.monotonic()
    load_issue(path)
    markup.to_html(body, "fr"), markup.to_text(body), list(markup_links(body))
    assert time.monotonic() - started < BOUND


# The regexes the scans replace: they give the reference output.
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?i:https?://|mailto:)[^\s)]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])")
_URL_TAIL = re.compile(r"(?:[.,;:!?)»]|&quot;|&#x27;|&gt;)+$")
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
                == [m.span() + m.groups() for m in MARKUP_LINK.finditer(text)]), text
        assert (markup._emphasis(text, "<b>{}</b>", "<i>{}</i>")
                == _ITALIC.sub(r"<i>\1</i>", _BOLD.sub(r"<b>\1</b>", text))), text
        old, new = _TAG.search(text), _template_tag(text)
        assert (old and (old.span(), old[0])) == (new and (new.span(), new[0])), text
        url = text.replace("\n", "")  # an address holds no line break
        tail = _URL_TAIL.search(url)
        assert markup._without_tail(url) == (url[:tail.start()] if tail else url), text


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
