"""Per-language catalogues of fixed labels and the locale's way of writing dates.

Catalogues are written without typographic spaces; they are typeset for their language
when loaded (mailer.typography), and so are the dates written here ("1er février").
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import yaml
from babel.dates import format_date, format_interval, format_time

from mailer.typography import typeset

# Keys that are formats for Babel or str.format, not words: never typeset.
_FORMATS = {"locale", "date_format", "date_range", "time_range", "date_at_time"}

LABELS_DIR = Path(__file__).resolve().parent.parent / "templates" / "labels"


class Labels(dict):
    """The labels of one language, with the date formats of its locale."""

    @property
    def locale(self) -> str:
        return self["locale"]

    @property
    def language(self) -> str:
        return self.locale.split("_")[0]

    def date(self, day: dt.date) -> str:
        written = format_date(day, self.get("date_format", "long"), locale=self.locale)
        return typeset(written, self.language)

    def date_range(self, start: dt.date, end: dt.date | None) -> str:
        if end is None or end == start:
            return self.date(start)
        pattern = self.get("date_range")
        if pattern is None:
            written = format_interval(start, end, "yMMMMd", locale=self.locale)
            return typeset(written, self.language)
        # Write only what differs at the start: "du 15 au 18 octobre", "du 28 mai au 2 juin".
        if (start.year, start.month) == (end.year, end.month):
            first = format_date(start, "d", locale=self.locale)
        elif start.year == end.year:
            first = format_date(start, "d MMMM", locale=self.locale)
        else:
            first = self.date(start)
        return typeset(pattern.format(start=first, end=self.date(end)), self.language)

    def time_range(self, start: dt.time, end: dt.time | None) -> str:
        first = format_time(start, "HH:mm", locale=self.locale)
        if end is None:
            return first
        last = format_time(end, "HH:mm", locale=self.locale)
        return self["time_range"].format(start=first, end=last)


# A language code (BCP 47's shape): an issue's `languages: ["../../issues/091"]` named
# another YAML file of the repository as its catalogue, and rendering raised KeyError.
_CODE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


def has_catalogue(language: str) -> bool:
    return bool(_CODE.fullmatch(language)) and (LABELS_DIR / f"{language}.yaml").exists()


def load_labels(language: str) -> Labels:
    """The catalogue of `language`: adding a language is adding its file, no code.
    FileNotFoundError for a code without one (or that is no language code)."""
    if not _CODE.fullmatch(language):
        raise FileNotFoundError(f"no label catalogue for {language!r}: not a language code")
    return _load(LABELS_DIR / f"{language}.yaml")


@lru_cache(maxsize=16)
def _load(path: Path) -> Labels:
    if not path.exists():
        raise FileNotFoundError(f"no label catalogue {path}")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    language = str(raw.get("locale", path.stem)).split("_")[0]
    return Labels({
        key: value if key in _FORMATS or not isinstance(value, str) else typeset(value, language)
        for key, value in raw.items()
    })
