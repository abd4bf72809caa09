"""Typography per language: the spaces and ordinals a native reader expects.

French (Imprimerie nationale's rules, as taught by the Lexique des règles typographiques):
- a narrow no-break space (U+202F) before `;` `!` `?` and inside « »;
- a no-break space (U+00A0) before `:`;
- a no-break space between a number and its unit, currency or month ("15 %", "9 novembre"),
  after "n°", and a narrow one between groups of thousands ("600 000");
- "1er", never "1", for the first day of a month ("1er février", "du 1er au 4 décembre").
English takes none of this. Catalogue labels and templates carry no spacing around
punctuation: everything a reader sees passes through `typeset` once, so the rule lives here.
Addresses (URLs, e-mail) are never touched: a space inside one would break it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space

# What must never change: URLs, e-mail addresses, and the markers sending fills. An
# address is tried only where a run of its characters starts: tried at every position, a
# long word without `@` (a 20,000-letter title) cost quadratic time, minutes per render.
# An address holds the parentheses it closes (https://fr.wikipedia.org/wiki/Lyon_(France),
# as links end, mailer.inline_scan), one level deep; not a sentence's `)` after it.
_ADDRESS = r"[^\s<>\"()]"
_PROTECTED = re.compile(rf"(?:https?://|mailto:|www\.){_ADDRESS}+(?:\({_ADDRESS}*\){_ADDRESS}*)*"
                        r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+|%%\w+%%")

_HELD = 0xF0000  # a private-use plane: never in a real text

MONTHS_FR = ("janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre"
             "|décembre")
UNITS_FR = (r"%|‰|€|\$|£|CHF|FCFA|XPF|MAD|TND|km|m²|m|cm|mm|kg|g|t|h|min|s|Ko|Mo|Go|°C|ans?"
            r"|jours?|heures?|minutes?|semaines?|mois|millions?|milliards?|euros?|dollars?")
_SPACE = r"[ \u00a0\u202f]"

_FRENCH: list[tuple[re.Pattern[str], str]] = [
    # « guillemets » hold their text with narrow no-break spaces.
    (re.compile(r"«" + _SPACE + r"*"), "«" + NNBSP),
    (re.compile(_SPACE + r"*»"), NNBSP + "»"),
    # ; ! ? after a word or a closing sign: a narrow no-break space (?! and !! stay joined).
    (re.compile(r"(?<=[^\s;!?(\[«])" + _SPACE + r"?(?=[;!?])"), NNBSP),
    # : before a space or the end (so 09:30 stays): a no-break space.
    (re.compile(r"(?<=[^\s:])" + _SPACE + r"?:(?=\s|$|\*)"), NBSP + ":"),
    # the first day of a month: 1er.
    (re.compile(r"\b1" + _SPACE + rf"+(?=(?:{MONTHS_FR})\b)"), "1er" + NBSP),
    (re.compile(r"\b1(?=" + _SPACE + r"+(?:au|et)" + _SPACE + r"+\d{1,2}(?:er)?" + _SPACE
                + rf"+(?:{MONTHS_FR})\b)"), "1er"),
    # a number and its month or unit; groups of thousands; n° and its number.
    (re.compile(r"(?<=\d)(er)?" + _SPACE + rf"+(?=(?:{MONTHS_FR})\b)"),
     lambda m: (m[1] or "") + NBSP),
    (re.compile(r"(?<=\d)" + _SPACE + rf"+(?=(?:{UNITS_FR})(?=[\s.,;:!?)»/]|$))"), NBSP),
    (re.compile(r"(?<=\d)" + _SPACE + r"(?=\d{3}(?!\d))"), NNBSP),
    (re.compile(r"\bn°" + _SPACE + r"*(?=\d)"), "n°" + NBSP),
]

RULES: dict[str, list[tuple[re.Pattern[str], str | Callable]]] = {"fr": _FRENCH}

# French ordinals set as superscript in HTML: 1er, 1re, 2e, 15e, 2nd.
_ORDINAL = re.compile(r"\b(\d{1,4})(er|re|e|es|nd|nde)\b")


def outside_addresses(text: str, change: Callable[[str], str]) -> str:
    """`change` applied to `text` with every URL and e-mail address held out of its reach.

    Each address stands in as one private-use character while `change` runs, so rules
    still see that a word precedes the punctuation that follows it.
    """
    held: list[str] = []

    def hold(found: re.Match[str]) -> str:
        held.append(found[0])
        return chr(_HELD + len(held) - 1)

    changed = change(_PROTECTED.sub(hold, text))
    if not held:
        return changed
    return re.sub(f"[{chr(_HELD)}-{chr(_HELD + len(held) - 1)}]",
                  lambda m: held[ord(m[0]) - _HELD], changed)


def _apply(rules, part: str) -> str:
    for pattern, replacement in rules:
        part = pattern.sub(replacement, part)
    return part


def typeset(text: str, language: str) -> str:
    """`text` (plain, or the small markup of bodies) with the spaces of `language`.

    Idempotent; a language without rules (English) comes back unchanged.
    """
    rules = RULES.get(language.split("_")[0].split("-")[0])
    if not rules or not text:
        return text
    return outside_addresses(text, lambda part: _apply(rules, part))


def superscript_ordinals(html: str, language: str) -> str:
    """Escaped HTML text (no tags inside) with French ordinals as <sup>: 1<sup>er</sup>."""
    if not language.startswith("fr"):
        return html
    return outside_addresses(html, lambda part: _ORDINAL.sub(r"\1<sup>\2</sup>", part))


def plain_spaces(text: str) -> str:
    """`text` with its typographic spaces as plain ones: for a header or an attribute."""
    return str(text).replace(NBSP, " ").replace(NNBSP, " ")
