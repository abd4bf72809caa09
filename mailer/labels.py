"""Per-language catalogues of fixed labels and the locale's way of writing dates.

Catalogues are written without typographic spaces; they are typeset for their language
when loaded (mailer.typography), and so are the dates written here ("1er février").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel.dates import format_date, format_interval, format_time

from mailer.catalogue import Catalogue, Word, catalogue
from mailer.typography import typeset

# Keys that are formats for Babel or str.format, not words: never typeset.
_FORMATS = {"locale", "date_format", "date_range", "time_range", "date_at_time"}

LABELS_DIR = Path(__file__).resolve().parent.parent / "templates" / "labels"


class Labels(Catalogue):
    """The labels of one language, with the date formats of its locale."""

    @property
    def locale(self) -> str:
        # A language without its own catalogue still writes dates its own way (Babel).
        locale = self.get("locale")
        return self.requested if locale is None or isinstance(locale, Word) else locale

    @property
    def writing(self) -> str:
        """The language whose typography the dates follow (the locale's, as Babel writes)."""
        return self.locale.split("_")[0]

    def date(self, day: dt.date) -> str:
        written = format_date(day, self.get("date_format", "long"), locale=self.locale)
        return typeset(written, self.writing)

    def date_range(self, start: dt.date, end: dt.date | None) -> str:
        if end is None or end == start:
            return self.date(start)
        pattern = self.get("date_range")
        if pattern is None:
            written = format_interval(start, end, "yMMMMd", locale=self.locale)
            return typeset(written, self.writing)
        # Write only what differs at the start: "du 15 au 18 octobre", "du 28 mai au 2 juin".
        if (start.year, start.month) == (end.year, end.month):
            first = format_date(start, "d", locale=self.locale)
        elif start.year == end.year:
            first = format_date(start, "d MMMM", locale=self.locale)
        else:
            first = self.date(start)
        return typeset(pattern.format(start=first, end=self.date(end)), self.writing)

    def time_range(self, start: dt.time, end: dt.time | None) -> str:
        first = format_time(start, "HH:mm", locale=self.locale)
        if end is None:
            return first
        last = format_time(end, "HH:mm", locale=self.locale)
        return self["time_range"].format(start=first, end=last)


def load_labels(language: str) -> Labels:
    """The catalogue of `language`, typeset for it: adding a language is adding its file,
    no code; what it lacks comes from the fallback language (mailer.catalogue), typeset for
    that language and still marked as its words."""
    words = catalogue("email", LABELS_DIR, language, kind=Labels)
    typeset_words = Labels({key: _typeset(key, value, words.requested)
                            for key, value in words.items()})
    typeset_words.requested, typeset_words.language = words.requested, words.language
    return typeset_words


def _typeset(key: str, value: object, language: str) -> object:
    if key in _FORMATS or not isinstance(value, str):
        return value
    if isinstance(value, Word):
        return Word(typeset(str(value), value.lang), value.lang)
    return typeset(value, language)
