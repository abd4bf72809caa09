"""Invisible characters that change what a text says or shows: one rule for issue texts,
subjects and subscribers' names.

Pasted from a web page, a word processor or a chat, or put there on purpose ("Trojan
Source", CVE-2021-42574), they are unseen by the author and the checker but not by the
reader's client:

- bidi embeddings and overrides, U+202A–U+202E, reorder what follows them, up to the end of
  the paragraph: a subject or a name can show other words than it holds. Unicode has
  recommended isolates instead since 6.3 (2013); no text needs these. Refused everywhere.
- bidi isolates, U+2066–U+2069, are how a right-to-left word is set in a left-to-right
  line: kept in texts when each one opened is closed by U+2069 (an open one spills onto
  the footer and the unsubscribe link); refused in a subject or a name, which a client
  lays out next to other text (the From, a list of messages).
- U+200B zero-width space, U+FEFF (a byte order mark inside a text), U+2028 and U+2029
  (line and paragraph separators, which plain text and scripts do not read as line ends):
  refused; a text has spaces and line breaks for these.
- U+200C zero-width non-joiner and U+200D zero-width joiner are letters' business: Persian
  and Indic words need them (می‌خواهم), and emoji sequences are made with them (👩‍💻). Kept
  between two visible characters; refused at an end or next to a space, where they join
  nothing and only make two equal-looking texts differ.

A name that is typed, never laid out (a CSV file's heading), holds none of them, nor any
other character that shows nothing: `hidden_in_name`.
"""

from __future__ import annotations

import re
import unicodedata

OVERRIDES = "\u202a\u202b\u202c\u202d\u202e"
ISOLATES_OPEN = "\u2066\u2067\u2068"
ISOLATE_CLOSE = "\u2069"
SEPARATORS = "\u200b\ufeff\u2028\u2029"
JOINERS = "\u200c\u200d"

_NAMES = {"\u202a": "left-to-right embedding", "\u202b": "right-to-left embedding",
          "\u202c": "pop directional formatting", "\u202d": "left-to-right override",
          "\u202e": "right-to-left override", "\u2066": "left-to-right isolate",
          "\u2067": "right-to-left isolate", "\u2068": "first strong isolate",
          "\u2069": "pop directional isolate", "\u200b": "zero-width space",
          "\ufeff": "zero-width no-break space (byte order mark)",
          "\u2028": "line separator", "\u2029": "paragraph separator",
          "\u200c": "zero-width non-joiner", "\u200d": "zero-width joiner"}
_ANY = re.compile(f"[{OVERRIDES}{ISOLATES_OPEN}{ISOLATE_CLOSE}{SEPARATORS}{JOINERS}]")


def _named(char: str) -> str:
    return f"U+{ord(char):04X} ({_NAMES[char]})"


def _joins(text: str, index: int) -> bool:
    """Whether the joiner at `index` stands between two visible characters."""
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    return all(c and not c.isspace() and not _ANY.match(c) for c in (before, after))


def invisible_problem(text: str, one_line: bool = False) -> tuple[int, str] | None:
    """The first invisible character of `text` that is refused, as (index from 0, message
    with the fix); None when there is none. `one_line`: a subject or a name, where bidi
    isolates are refused too."""
    open_at: list[int] = []  # isolates not yet closed
    for found in _ANY.finditer(text):
        char, index = found[0], found.start()
        where = f"{_named(char)} at character {index + 1}"
        if char in OVERRIDES:
            return index, (f"an invisible {where}, which can make the text show other words "
                           "than it holds: delete it (type the text again)")
        if char in SEPARATORS:
            fix = {"\u200b": ", or type a space instead", "\ufeff": ""}.get(
                char, ", or type a space instead" if one_line else ", or press Enter instead")
            return index, f"an invisible {where}: delete it{fix}"
        if char in JOINERS:
            if not _joins(text, index):
                return index, (f"an invisible {where}, joining nothing (at an end or next to "
                               "a space): delete it")
            continue
        if one_line:
            return index, (f"an invisible {where}: a subject or a name cannot hold bidi "
                           "isolates; delete it")
        if char in ISOLATES_OPEN:
            open_at.append(index)
        elif not open_at:
            return index, f"an invisible {where} that closes nothing: delete it"
        else:
            open_at.pop()
    if open_at:
        index = open_at[0]
        return index, (f"an invisible {_named(text[index])} at character {index + 1} that "
                       "is never closed, so it would reorder the rest of the email: close "
                       "it with U+2069, or delete it")
    return None


def hidden_in_name(name: str) -> tuple[int, str] | None:
    """The first character of `name` that shows nothing, as (index from 0, "U+00AD (soft
    hyphen)"): a format character (a soft hyphen, a zero-width space or joiner, a byte
    order mark, a bidi mark: Unicode's category Cf), a control character other than a tab
    or a line end (Cc), a line or paragraph separator (Zl, Zp). None when there is none.

    A heading pasted from a web page carries them: it looks like `Email` to a person and
    reads as another word. Texts keep what `invisible_problem` allows."""
    for index, char in enumerate(name):
        if unicodedata.category(char) in ("Cf", "Zl", "Zp") or (
                unicodedata.category(char) == "Cc" and char not in "\t\r\n"):
            name_of = _NAMES.get(char) or unicodedata.name(char, "control character").lower()
            return index, f"U+{ord(char):04X} ({name_of})"
    return None
