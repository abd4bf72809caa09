"""What rendering produces, read as text: structure, safety, size, placeholders."""

import re
import socket
from email.message import EmailMessage
from email.policy import SMTP
from html import unescape

import pytest

from mailer import markup, placeholders
from mailer.labels import load_labels
from mailer.render import render_file
from tests.render.conftest import FULL_EXAMPLE, MINIMAL, PROGRAMME_EXAMPLE, write_issue

GMAIL_CLIP = 102 * 1024


def test_rendering_opens_no_connection(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"rendering tried to connect: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for edition in render_file(FULL_EXAMPLE).values():
        assert "fonts.googleapis" not in edition.html
        assert "<link" not in edition.html and "@import" not in edition.html


@pytest.mark.parametrize("language", ["fr", "en"])
def test_email_html_is_under_gmail_clipping(editions, language):
    assert len(editions[language].html.encode()) < GMAIL_CLIP


@pytest.mark.parametrize("language", ["fr", "en"])
def test_head_lang_title_preheader_doctype(editions, language):
    edition = editions[language]
    html = edition.html
    assert html.startswith("<!doctype html>")
    assert f'<html lang="{language}"' in html
    assert unescape(re.search(r"<title>(.*?)</title>", html)[1]) == edition.subject
    hidden = re.search(r'<div style="display:none[^"]*">([^<]*)</div>', html)
    assert hidden and unescape(hidden[1]).strip() == edition.preheader
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "prefers-color-scheme: dark" in html


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_image_has_alt_and_width(editions, language):
    images = re.findall(r"<img [^>]*>", editions[language].html)
    assert images
    for image in images:
        assert re.search(r'alt="[^"]+"', image), image
        assert re.search(r'width="\d+"', image), image


def test_fixed_labels_come_from_the_catalogues(editions):
    assert "Voir en ligne" in editions["fr"].html and "Se désabonner" in editions["fr"].html
    assert "View online" in editions["en"].html and "Unsubscribe" in editions["en"].html
    assert "Réunions internes" in editions["fr"].html
    assert "Internal meetings" in editions["en"].html


def test_dates_follow_the_locale():
    import datetime as dt

    start, end = dt.date(2019, 10, 15), dt.date(2019, 10, 18)
    assert load_labels("fr").date_range(start, end) == "du 15 au 18\u00a0octobre 2019"
    assert load_labels("en").date_range(start, end) == "15–18 October 2019"


def test_per_recipient_parts_are_placeholders_filled_without_rendering(editions):
    edition = editions["fr"]
    for marker in (placeholders.UNSUBSCRIBE_URL, placeholders.PREFERENCES_URL,
                   placeholders.VIEW_ONLINE_URL):
        assert marker in edition.html and marker in edition.text
    filled = placeholders.Template(edition.html).fill({
        "unsubscribe_url": "https://x.example/u/T1",
        "preferences_url": "https://x.example/p/T1",
        "view_online_url": "https://x.example/archive/091/fr",
    })
    assert '<a href="https://x.example/u/T1"' in filled and "%%" not in filled
    assert placeholders.UNSUBSCRIBE_URL not in edition.web_html


def test_long_article_shows_summary_and_read_more_in_email_only(editions):
    html, web = editions["en"].html, editions["en"].web_html
    assert "nearly half of them with people who did not know" not in html
    assert "nearly half of them with people who did not know" in web
    assert f'href="{placeholders.VIEW_ONLINE_URL}#article-5"' in html
    assert "Read more" in editions["en"].text


def test_markup_in_content_is_escaped_in_html_and_text(tmp_path):
    text = MINIMAL.replace("A title", "<script>alert('x')</script>").replace(
        "A text.", "'**bold** <img src=x onerror=alert(1)> [ok](https://ok.example)'"
    )
    edition = render_file(write_issue(tmp_path, text))["en"]
    assert "<script>alert" not in edition.html and "&lt;script&gt;alert" in edition.html
    assert "<img src=x" not in edition.html
    assert '<a href="https://ok.example"' in edition.html
    assert "<strong>bold</strong>" in edition.html
    assert "<script>alert('x')</script>" in edition.text  # plain text shows it as typed
    assert "ok (https://ok.example)" in edition.text


def test_markup_lists_and_inline():
    html = markup.to_html("Intro :\n- *un*\n- **deux**\n\nFin [site](https://a.example/?a=1&b=2).")
    assert html == (
        '<p style="margin:0 0 12px 0">Intro :</p>'
        '<ul style="margin:0 0 12px 0;padding-left:22px"><li><em>un</em></li>'
        "<li><strong>deux</strong></li></ul>"
        '<p style="margin:0 0 12px 0">Fin <a href="https://a.example/?a=1&amp;b=2">site</a>.</p>'
    )


# A Wikipedia address holds parentheses: a link's address ends at the `)` that balances
# its `(` (as in CommonMark), not at the first one, which gave `…Lyon_(France` and a `)`.
WIKIPEDIA = "https://fr.wikipedia.org/wiki/Lyon_(France)"
_WITH_PARENTHESES = (f"'Voir [Lyon]({WIKIPEDIA}) (la ville), [{WIKIPEDIA}]({WIKIPEDIA}), "
                     "[x](https://example.org/a_(b)?c=1) ou (voir https://example.org/page), "
                     "puis https://en.wikipedia.org/wiki/C_(langage).'")


def _rendered_with_parentheses(tmp_path, language):
    text = MINIMAL.replace("Un texte.", _WITH_PARENTHESES).replace("A text.", _WITH_PARENTHESES)
    return render_file(write_issue(tmp_path, text))[language]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_link_address_keeps_its_parentheses_in_html(tmp_path, language):
    edition = _rendered_with_parentheses(tmp_path, language)
    for html in (edition.html, edition.web_html):
        links = re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>(.{0,2})', html)
        assert (WIKIPEDIA, "Lyon", " (") in links, links
        assert (WIKIPEDIA, WIKIPEDIA, ", ") in links
        assert ("https://example.org/a_(b)?c=1", "x", " o") in links
        # A bare address: the sentence's `)` is not part of it, its own `)` is.
        assert ("https://example.org/page", "https://example.org/page", "),") in links
        wiki = "https://en.wikipedia.org/wiki/C_(langage)"
        assert (wiki, wiki, ".<") in links


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_link_address_keeps_its_parentheses_in_the_text_part(tmp_path, language):
    text = " ".join(_rendered_with_parentheses(tmp_path, language).text.split())
    assert (f"Voir Lyon ({WIKIPEDIA}) (la ville), {WIKIPEDIA}, "
            "x (https://example.org/a_(b)?c=1) ou (voir https://example.org/page), "
            "puis https://en.wikipedia.org/wiki/C_(langage).") in text, text


def test_markup_ends_a_link_at_the_balancing_parenthesis():
    assert markup.inline_html(f"[Lyon]({WIKIPEDIA}) et (plus)") == (
        f'<a href="{WIKIPEDIA}">Lyon</a> et (plus)')
    assert markup.inline_text(f"[Lyon]({WIKIPEDIA}) et (plus)") == f"Lyon ({WIKIPEDIA}) et (plus)"
    # Unbalanced, it ends at the first `)` as before; a bare address keeps a `)` it opened.
    assert markup.inline_html("[a](https://x.org/a_(b) c)") == (
        '<a href="https://x.org/a_(b">a</a> c)')
    assert markup.inline_html("(voir https://x.org/a_(b)))") == (
        '(voir <a href="https://x.org/a_(b)">https://x.org/a_(b)</a>))')


def test_text_part_is_readable(editions):
    text = editions["fr"].text
    assert "NOUVELLES DES CITÉS DES MÉTIERS\n===============================" in text
    assert "  • 3\u00a0décembre 2026 — Comité exécutif, visioconférence" in text
    assert "(https://www.cittadeimestieri.example/digitale)" in text
    assert max(len(line) for line in text.splitlines()) <= 100


@pytest.mark.parametrize("language", ["fr", "en"])
def test_long_lines_travel_quoted_printable(editions, language):
    message = EmailMessage(policy=SMTP)
    message.set_content(editions[language].text, cte="quoted-printable")
    message.add_alternative(editions[language].html, subtype="html", cte="quoted-printable")
    raw = message.as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    html_part = message.get_payload()[1]
    assert html_part.get_content().startswith("<!doctype html>")


def test_programme_issue_renders_days_slots_and_speakers():
    editions = render_file(PROGRAMME_EXAMPLE)
    assert "9\u00a0juin 2027" in editions["fr"].html and "09:30 – 10:15" in editions["fr"].html
    assert "Anna Lindqvist (Labour economist)" in editions["en"].text
    assert "Intervenants" in editions["fr"].html


def test_invisible_and_combining_characters_survive_attributes(tmp_path):
    # mjml-python wrote them as the letters `\u{301}` in alt, href and aria-label.
    text = MINIMAL.replace("fr: Un titre", 'fr: "Équipe ❤\\ufe0f fami\\u00adlle"').replace(
        "fr: Un texte.", 'fr: "[lien](https://ok.example/a) e\\u0301te\\u0301"'
    ).replace("          en: A text.", """          en: A text.
        images:
          - url: https://ok.example/i.png
            alt: {fr: "Développeuse 👩🏽\\u200d💻 e\\u0301te\\u0301", en: "x"}""")
    edition = render_file(write_issue(tmp_path, text))["fr"]
    for html in (edition.html, edition.web_html):
        assert "\\u{" not in html
        assert 'alt="Développeuse 👩🏽\u200d💻 e\u0301te\u0301"' in unescape(html)
