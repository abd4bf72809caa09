"""Header values within the RFCs' limits: no line breaks inside a value (header injection),
encoded words of at most 75 characters (RFC 2047 section 2), lines of at most 78 where we
can and never over 998 (RFC 5322 section 2.1.1), addresses in UTF-8 only where SMTPUTF8
carries them (RFC 6532).
"""

from __future__ import annotations

import base64
from email.utils import quote

WORD_MAX = 75  # RFC 2047: an encoded word, delimiters included
LINE_SOFT_MAX = 78  # RFC 5322: SHOULD
_PREFIX, _SUFFIX = "=?utf-8?b?", "?="
_WORD_BYTES = (WORD_MAX - len(_PREFIX) - len(_SUFFIX)) // 4 * 3  # 45 bytes of UTF-8


def clean_header(value: str) -> str:
    """A header value can never carry a line break (header injection)."""
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def _words(text: str, first_bytes: int) -> list[str]:
    """Base64 encoded words, each holding whole characters (RFC 2047 section 5)."""
    words, chunk, size, limit = [], [], 0, first_bytes
    for char in text:
        width = len(char.encode())
        if size + width > limit and chunk:
            words.append("".join(chunk))
            chunk, size, limit = [], 0, _WORD_BYTES
        chunk.append(char)
        size += width
    words.append("".join(chunk))
    return [_PREFIX + base64.b64encode(word.encode()).decode() + _SUFFIX for word in words]


def _fold_ascii(text: str, used: int) -> str | None:
    """Folded at spaces into lines of at most 78, or None if a word is too long for it."""
    lines, line = [], ""
    for word in text.split(" "):
        room = LINE_SOFT_MAX - (used if not lines else 1)
        if len(word) > LINE_SOFT_MAX - 1:
            return None
        if line and len(line) + 1 + len(word) > room:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\r\n ".join(lines)


def encode_text(name: str, value: str) -> str:
    """An unstructured value (Subject) for the header `name`, ready to write after
    `name: `: plain folded ASCII when it can be, else encoded words of 75 characters at
    most, one per line, the first fitting the header's first line."""
    value = clean_header(value)
    used = len(name) + 2
    if value.isascii() and "=?" not in value:
        folded = _fold_ascii(value, used)
        if folded is not None:
            return folded
    first = max(LINE_SOFT_MAX - used - len(_PREFIX) - len(_SUFFIX), 4) // 4 * 3
    return "\r\n ".join(_words(value, min(first, _WORD_BYTES)))


def mailbox(name: str | None, address: str) -> str:
    """`Display Name <address>` (RFC 5322 name-addr); the name quoted or in encoded words,
    the address as given (its wire form, mailer.address.wire_form)."""
    name = clean_header(name or "")
    if not name:
        return address
    if name.isascii() and "=?" not in name:
        shown = f'"{quote(name)}"'
    else:
        shown = "\r\n ".join(_words(name, _WORD_BYTES))
    return f"{shown} <{address}>"
