"""The words of the public pages and of the confirmation email, one YAML file per language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from mailer.settings import get_settings

LABELS = Path(__file__).with_name("labels")


@lru_cache(maxsize=16)
def labels(language: str) -> dict[str, str]:
    """The labels of `language`, or of the default language if it has none."""
    path = LABELS / f"{language}.yaml"
    if not path.exists():
        path = LABELS / f"{get_settings().default_language}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def pick_language(*candidates: str | None, accept: list[str] | None = None) -> str:
    """The first offered language among explicit choices, then the browser's preferences."""
    offered = get_settings().languages
    for candidate in (*candidates, *(accept or [])):
        if isinstance(candidate, str) and candidate[:2].lower() in offered:
            return candidate[:2].lower()
    return get_settings().default_language
