"""Texts an issue gives through its own `fallbacks` (a German edition, a text only in
English) carry their own `lang` in the email and the web page (WCAG 3.1.2), and are
typeset as the language they are written in, not as the edition's."""

from __future__ import annotations

import re

import yaml

from mailer.issue import Issue
from mailer.render import render_issue
from mailer.typography import NBSP
from tests.render.conftest import FULL_EXAMPLE


def _issue(edit) -> Issue:
    data = yaml.safe_load(FULL_EXAMPLE.read_text(encoding="utf-8"))
    edit(data)
    return Issue.model_validate(data)


def _german_title_only(data: dict) -> None:
    data["languages"], data["fallbacks"] = ["fr", "en", "de"], {"de": "en"}
    data["title"]["de"] = "Der Newsletter des Netzwerks"


def test_a_german_edition_marks_every_english_text_it_borrows():
    edition = render_issue(_issue(_german_title_only), "de", "091")
    for html in (edition.html, edition.web_html):
        assert '<html lang="de"' in html
        assert "Der Newsletter des Netzwerks" in html and \
            '<span lang="en">Der Newsletter' not in html  # its own text: unmarked
        # The editorial (paragraphs) in a block, titles and places inline, all as English.
        assert re.search(r'<div lang="en">\s*<p[^>]*>Dear members', html)
        assert '<span lang="en">Executive Committee</span>' in html
        assert '<span lang="en">video conference</span>' in html
    # Where markup cannot go (the subject, the text part, an attribute), the bare text.
    assert edition.subject == "Der Newsletter des Netzwerks"
    assert "<span" not in edition.text and "Executive Committee" in edition.text
    assert 'alt="<' not in edition.html and 'aria-label="<' not in edition.html


def test_an_english_text_in_a_french_edition_is_marked_and_typeset_as_english():
    def english_only_body(data: dict) -> None:
        data["fallbacks"] = {"fr": "en"}
        article = data["sections"][0]["articles"][0]
        article["body"] = {"en": "Two words: see you soon!"}
        article.pop("summary", None)

    html = render_issue(_issue(english_only_body), "fr", "091").web_html
    assert re.search(r'<div lang="en">\s*<p[^>]*>Two words: see you soon!</p>\s*</div>', html)
    assert f"words{NBSP}:" not in html  # French spacing never reaches English
    assert '<html lang="fr"' in html and "Comité exécutif" in html  # the rest: French
    assert '<span lang="en">Comité' not in html


def test_the_text_part_typesets_each_text_by_its_own_language():
    def english_title_and_body(data: dict) -> None:
        data["fallbacks"] = {"fr": "en"}
        article = data["sections"][0]["articles"][0]
        article["title"] = {"en": "Save the date: our meeting!"}
        article["body"] = {"en": "Two words: see you soon; bring a friend!"}
        article.pop("summary", None)

    text = render_issue(_issue(english_title_and_body), "fr", "091").text
    assert "Save the date: our meeting!" in text
    assert "Two words: see you soon; bring a friend!" in text
    # The layout's own punctuation and the French texts keep French spacing.
    assert f"Voir en ligne{NBSP}: " in text and f"Se désabonner{NBSP}: " in text
