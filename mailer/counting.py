"""Counts said in words: the noun a number takes by its language's plural rules (CLDR's,
through Babel: English "1 row", "0 rows"; French "0 ligne", "2 lignes"), the number grouped
as the language writes it (1,200; 1 200). The console's pages, the bounce words and the
command line (which speaks English, `COMMAND_LINE`) all say their counts here."""

from __future__ import annotations

from babel import Locale
from babel.numbers import format_decimal

COMMAND_LINE = "en"  # the language of the command line's words


def counted(forms: dict[str, str], n: int, language: str, **more: object) -> str:
    """`n` in words of `language`: the form of `forms` ({"one": "{n} message", "other": …},
    keyed by CLDR plural category) its plural rules give `n`, "other" when `forms` lacks
    that one, `n` grouped as the language writes it; `more` fills the form's other
    {placeholders}. ValueError or babel.UnknownLocaleError for a code Babel cannot read."""
    form = Locale.parse(language).plural_form(n)
    return forms.get(form, forms["other"]).format(n=format_decimal(n, locale=language), **more)


def grouped(n: int) -> str:
    """`n` (int) as the command line writes every count: 15,500."""
    return format_decimal(n, locale=COMMAND_LINE)


def how_many(n: int, one: str, other: str) -> str:
    """`n` and the noun it takes on the command line: "1 subscriber", "0 rows", "1,200
    messages". `one`, `other`: the noun's singular and plural, in English."""
    return counted({"one": f"{{n}} {one}", "other": f"{{n}} {other}"}, n, COMMAND_LINE)
