"""The words of the public pages and of the confirmation email, one YAML file per language
(mailer.catalogue: a language without a file, or a key without a text, takes the fallback
language's words)."""

from __future__ import annotations

from pathlib import Path

from mailer.catalogue import Catalogue, catalogue, language_name
from mailer.settings import get_settings

LABELS = Path(__file__).with_name("labels")


def labels(language: str) -> Catalogue:
    """The words of `language`, completed by the fallback language's."""
    return catalogue("pages", LABELS, language)


def offered_languages() -> dict[str, str]:
    """Each offered language's code and its own name ("Deutsch"), from Babel."""
    return {code: language_name(code) for code in get_settings().languages}


def pick_language(*candidates: str | None, accept: list[str] | None = None) -> str:
    """The first offered language among explicit choices, then the browser's preferences."""
    offered = get_settings().languages
    for candidate in (*candidates, *(accept or [])):
        if isinstance(candidate, str) and candidate[:2].lower() in offered:
            return candidate[:2].lower()
    return get_settings().default_language
