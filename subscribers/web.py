"""What the subscribers' pages share: the settings, the page language, rendering a page."""

from __future__ import annotations

from flask import current_app, render_template, request

from mailer.settings import Settings
from subscribers.i18n import labels, offered_languages, pick_language


def settings() -> Settings:
    return current_app.config["SETTINGS"]


def page_language(*choices: str | None) -> str:
    """The explicit choice (field or ?lang=), else the browser's preferred offered language."""
    return pick_language(
        *choices, request.args.get("lang"), accept=list(request.accept_languages.values())
    )


def page(template: str, language: str, status: int = 200, **context):
    """`template` in the words of `language`: `lang` is the language those words are in
    (the fallback's if `language` has no catalogue), `language` the person's choice."""
    words = labels(language)
    body = render_template(
        f"subscribers/{template}.html",
        t=words,
        lang=words.language,
        language=language,
        languages=offered_languages(),
        **context,
    )
    return body, status, {"Content-Language": words.language}


def message(key: str, language: str, status: int = 200, **context):
    """A page that only says something: `key`_title and `key`_text from the labels, then
    where to go next."""
    return page("message", language, status, key=key, next=next_steps(language), **context)


def next_steps(language: str) -> dict[str, str | None]:
    """The links of an end page: the latest issue and the archive in `language`, the site."""
    from mailer.archive import latest_issue_url

    base = settings().base_url.rstrip("/")
    return {"latest": latest_issue_url(language), "archive": f"{base}/archive/?lang={language}",
            "site": settings().site_origin}


def csrf_failed(_error):
    """A browser form without its CSRF token (or an expired one): say so, change nothing."""
    return message("csrf", page_language(request.form.get("language")), 400)
