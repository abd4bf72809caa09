"""Rendering: issue → Jinja2 → MJML → HTML (mjml-python) → styles inlined (premailer).

Done once per language. The per-recipient URLs stay as markers (mailer.placeholders),
filled per message at send time. Nothing here touches the network: MJML is given its
fonts (no web-font link) and premailer may not fetch anything.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import jinja2
from mjml import mjml2html
from premailer import Premailer

from mailer import placeholders
from mailer.catalogue import JINJA_FILTERS
from mailer.edition import Edition
from mailer.issue import Issue, issue_languages, load_issue
from mailer.labels import load_labels
from mailer.plaintext import render_text
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
    return env


def mjml_to_html(mjml: str) -> str:
    """MJML → HTML with styles inlined, keeping the media queries and the doctype."""
    html = mjml2html(mjml, disable_comments=True, fonts={})
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
    # premailer drops MJML's doctype: without one, clients render in quirks mode.
    if not inlined.lstrip().lower().startswith("<!doctype"):
        inlined = f"{DOCTYPE}\n{inlined}"
    return inlined


def render_issue(issue: Issue, language: str, slug: str) -> Edition:
    labels = load_labels(language)
    view = ViewModel(issue, language, labels, slug)
    email_mjml = environment().get_template("email/issue.mjml.j2")
    html = mjml_to_html(email_mjml.render(view.context(web=False, urls=MARKERS)))
    web_html = mjml_to_html(email_mjml.render(view.context(web=True, urls=MARKERS)))
    text = render_text(view.context(web=False, urls=MARKERS, plain=True))
    return Edition(
        slug=slug,
        language=language,
        subject=view.title,
        preheader=view.preheader,
        html=html,
        text=text,
        web_html=web_html,
    )


def render_file(path: str | Path, languages: list[str] | None = None) -> dict[str, Edition]:
    """Every language of the issue in `path`, or `languages` (IssueInvalid if the file has
    problems in them)."""
    path = Path(path)
    issue = load_issue(path, languages)
    wanted = languages or issue_languages(issue)
    return {language: render_issue(issue, language, path.stem) for language in wanted}

