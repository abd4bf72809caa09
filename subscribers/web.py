"""What the subscribers' pages share: the settings, the page language, rendering a page."""

from __future__ import annotations

from flask import current_app, render_template, request

from mailer.settings import Settings
from subscribers.i18n import labels, pick_language


def settings() -> Settings:
    return current_app.config["SETTINGS"]


def page_language(*choices: str | None) -> str:
    """The explicit choice (field or ?lang=), else the browser's preferred offered language."""
    return pick_language(
        *choices, request.args.get("lang"), accept=list(request.accept_languages.values())
    )


def page(template: str, language: str, status: int = 200, **context):
    body = render_template(
        f"subscribers/{template}.html",
        t=labels(language),
        lang=language,
        languages={code: labels(code)["lang_name"] for code in settings().languages},
        **context,
    )
    return body, status, {"Content-Language": language}


def message(key: str, language: str, status: int = 200, **context):
    """A page that only says something: `key`_title and `key`_text from the labels."""
    return page("message", language, status, key=key, **context)


def csrf_failed(_error):
    """A browser form without its CSRF token (or an expired one): say so, change nothing."""
    return message("csrf", page_language(request.form.get("language")), 400)
