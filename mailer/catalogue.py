"""The words of each language: one YAML catalogue per language and family of texts, the
configured fallback language filling in whatever a catalogue lacks.

Three families: `email` (templates/labels, the issue's fixed labels), `pages` (the public
pages and the confirmation email) and `console`. A language is added without code: a file
`<language>.yaml` beside the shipped ones, or in `catalogues_dir/<family>/` of the settings,
and its code in `languages`. A missing file or key takes the fallback language's words,
which then carry their own `lang` in HTML (WCAG 3.1.2), never French by accident.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import yaml
from babel import Locale, UnknownLocaleError
from markupsafe import Markup

from mailer.settings import get_settings


class Word(str):
    """A text in another language than its page's: HTML gets it as `<span lang=…>`."""

    lang: str

    def __new__(cls, text: str, lang: str) -> Word:
        word = super().__new__(cls, text)
        word.lang = lang
        return word

    def __html__(self) -> str:
        # Jinja's autoescape (and markupsafe) call this: text content only; attributes and
        # <title> take `|plain`.
        # Markup, not str: markupsafe's format() escapes a plain str a second time.
        return Markup('<span lang="{}">{}</span>').format(self.lang, str(self))


def plain(value: object) -> str:
    """The bare text of a label, for attributes, <title> and other places without markup."""
    return str(value)


def fill(text: str, **values: object) -> str:
    """`text` with its {placeholders} filled, still marked if it came from the fallback."""
    filled = text.format(**values)
    return Word(filled, text.lang) if isinstance(text, Word) else filled


JINJA_FILTERS = {"plain": plain, "fill": fill}


class Catalogue(dict):
    """The words of `requested`; `language` is the one whose file was found."""

    requested: str
    language: str


C = TypeVar("C", bound=Catalogue)

# A language code (BCP 47's shape): an issue's `languages: ["../../issues/091"]` once named
# another YAML file of the repository as its catalogue.
_CODE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


def catalogue(family: str, shipped: Path, language: str, kind: type[C] = Catalogue) -> C:
    """The catalogue of `language` for `family` (shipped files in `shipped`), completed with
    the fallback language's words, as a `kind`. FileNotFoundError if even the fallback has
    none. Read once per process."""
    if not _CODE.fullmatch(language):
        raise FileNotFoundError(f"no catalogue for {language!r}: not a language code")
    settings = get_settings()
    extra = Path(settings.catalogues_dir) / family if settings.catalogues_dir else None
    return _catalogue(shipped, extra, language, settings.fallback_language, kind)


@lru_cache(maxsize=64)
def _catalogue(shipped: Path, extra: Path | None, language: str, fallback: str, kind: type[C]) -> C:
    own = _read(shipped, extra, language)
    base = _read(shipped, extra, fallback) if language != fallback else None
    if own is None and base is None:
        raise FileNotFoundError(f"no catalogue {language}.yaml nor {fallback}.yaml in {shipped}")
    words = kind({key: Word(value, fallback) if isinstance(value, str) else value
                       for key, value in (base or {}).items()})
    words.update(own or {})
    words.requested = language
    words.language = language if own is not None else fallback
    return words


def _read(shipped: Path, extra: Path | None, language: str) -> dict | None:
    """The shipped file of `language`, overridden key by key by the administrator's."""
    found = None
    for folder in (shipped, extra):
        path = folder / f"{language}.yaml" if folder else None
        if path is not None and path.is_file():
            found = {**(found or {}), **(yaml.safe_load(path.read_text(encoding="utf-8")) or {})}
    return found


@lru_cache(maxsize=64)
def language_name(code: str, in_language: str | None = None) -> str:
    """The name of language `code` as Babel's CLDR data writes it in `in_language` (its
    own name if None): "Deutsch", "allemand", "German". The code itself if unknown."""
    try:
        name = Locale.parse(code).get_display_name(Locale.parse(in_language or code))
    except (ValueError, UnknownLocaleError):
        return code
    # CLDR writes French language names in lower case; a name on its own takes a capital.
    return name if in_language else name[:1].upper() + name[1:]
