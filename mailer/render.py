"""Rendering: issue → Jinja2 → MJML → HTML (mjml-python) → styles inlined (premailer).

Done once per language. The per-recipient URLs stay as markers (mailer.placeholders),
filled per message at send time. Nothing here touches the network: MJML is given its
fonts (no web-font link) and premailer may not fetch anything.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import jinja2
from mjml import mjml2html
from premailer import Premailer

from mailer import length, placeholders
from mailer.catalogue import JINJA_FILTERS
from mailer.edition import Edition
from mailer.issue import Issue, issue_languages, load_issue
from mailer.issue.translations import pick
from mailer.labels import load_labels
from mailer.plaintext import render_text
from mailer.settings import get_settings
from mailer.typography import plain_spaces
from mailer.view import ViewModel

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DOCTYPE = "<!doctype html>"

MARKERS = {
    "view_online": placeholders.VIEW_ONLINE_URL,
    "unsubscribe": placeholders.UNSUBSCRIBE_URL,
    "preferences": placeholders.PREFERENCES_URL,
}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Templates are compiled once per process and kept."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(JINJA_FILTERS)  # `plain`: a fallback label in an attribute
    # For MJML attributes (alt, aria-label): mjml-python writes a no-break space there as
    # the characters `\u{a0}`; a screen reader reads plain spaces alike.
    env.filters["attribute"] = plain_spaces
    return env


# mjml-python writes, in every attribute (an image's alt, a link's href or aria-label,
# inside <mj-text> too), each character Rust deems unprintable as the six letters
# `\u{301}`: a combining accent (`é` typed as e + U+0301, as macOS does), an emoji's
# joiner or variation selector (U+200D, U+FE0F), a soft hyphen, a bidi mark. Given as a
# character reference, the character passes through and the HTML holds it again.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_UNPRINTABLE = {"Mn", "Me", "Cf", "Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}


def _reference(found: re.Match) -> str:
    char = found[0]
    return f"&#x{ord(char):x};" if unicodedata.category(char) in _UNPRINTABLE else char


# MJML writes an image's height twice, as the attribute and in its style; the style's
# pixels would squash the image once a phone narrows it (width:100%). The attribute stays
# (Outlook, and the room kept while images load), the style scales.
_IMG = re.compile(r"<img\b[^>]*>")
_FIXED_HEIGHT = re.compile(r"(style=\"[^\"]*(?<![-\w])height:)\s*\d+px")


def _scaling_heights(html: str) -> str:
    return _IMG.sub(lambda img: _FIXED_HEIGHT.sub(r"\1auto", img[0]), html)


def mjml_to_html(mjml: str) -> str:
    """MJML → HTML with styles inlined, keeping the media queries and the doctype."""
    html = mjml2html(_NON_ASCII.sub(_reference, mjml), disable_comments=True, fonts={})
    inlined = Premailer(
        html,
        allow_network=False,
        allow_loading_external_files=False,
        keep_style_tags=True,  # the responsive and dark-mode media queries
        strip_important=False,
        disable_validation=True,
        # Keep MJML's pixel widths on images: Outlook ignores CSS widths.
        disable_basic_attributes=["width", "height"],
        cssutils_logging_level=logging.CRITICAL,
    ).transform()
    inlined = _scaling_heights(inlined)
    # premailer drops MJML's doctype: without one, clients render in quirks mode.
    if not inlined.lstrip().lower().startswith("<!doctype"):
        inlined = f"{DOCTYPE}\n{inlined}"
    return inlined


def email_html(issue: Issue, language: str, slug: str,
               summarised: frozenset[int] = frozenset()) -> str:
    """The email's HTML alone (no web page, no text part), for the length rule."""
    view = ViewModel(issue, language, load_labels(language), slug, summarised)
    template = environment().get_template("email/issue.mjml.j2")
    return mjml_to_html(template.render(view.context(web=False, urls=MARKERS)))


def render_issue(issue: Issue, language: str, slug: str,
                 summarised: frozenset[int] = frozenset(), html: str | None = None,
                 web: bool = True) -> Edition:
    """One language, with the articles numbered in `summarised` summarised in the email.

    `html`: the email's HTML when the length rule has already rendered it. `web=False`
    leaves the web page out (the editor's live preview shows the email alone).
    """
    labels = load_labels(language)
    view = ViewModel(issue, language, labels, slug, summarised)
    email_mjml = environment().get_template("email/issue.mjml.j2")
    if html is None:
        html = mjml_to_html(email_mjml.render(view.context(web=False, urls=MARKERS)))
    web_html = mjml_to_html(email_mjml.render(view.context(web=True, urls=MARKERS))) \
        if web else ""
    text = render_text(view.context(web=False, urls=MARKERS, plain=True))
    return Edition(
        slug=slug,
        number=issue.number,
        language=language,
        # A header carries plain spaces: mail software folds and re-encodes subjects, and
        # some of it turns a no-break space into a space or into "?".
        subject=plain_spaces(view.title),
        preheader=view.preheader,
        html=html,
        text=text,
        web_html=web_html,
    )


def render_editions(issue: Issue, slug: str, languages: list[str],
                    web: bool = True) -> dict[str, Edition]:
    """Every language of `issue`, under the length rule (mailer.length) for all at once;
    without the web pages if not `web`."""
    budget = int(get_settings().email_html_budget_kb * length.KB)
    planned = length.plan(issue, slug, languages,
                          lambda language, chosen: email_html(issue, language, slug, chosen),
                          budget)
    editions = {}
    for language in languages:
        edition = render_issue(issue, language, slug, frozenset(planned.summarised),
                               planned.html[language], web)
        if planned.summarised or planned.over:
            titles = _titles(issue, language)
            edition = replace(edition, budget=budget,
                              summarised=tuple(titles[number - 1] for number in planned.summarised),
                              full_size=planned.full_sizes[language],  # its own, not the
                              sent_size=planned.sizes[language])  # heaviest language's
        editions[language] = edition
    return editions


def _titles(issue: Issue, language: str) -> list[str]:
    return [pick(article.title, language, issue.fallbacks)
            for section in issue.sections for article in section.articles]


def render_file(path: str | Path, languages: list[str] | None = None) -> dict[str, Edition]:
    """Every language of the issue in `path`, or `languages` (IssueInvalid if the file has
    problems in them).

    The length rule weighs the languages asked for; the console and `send` ask for all.
    """
    path = Path(path)
    issue = load_issue(path, languages)
    return render_editions(issue, path.stem, languages or issue_languages(issue))
