"""The bytes of a report as text, whatever charset it says or does not say.

A delivery-status part is US-ASCII by RFC 3464, UTF-8 by RFC 6533 (and RFC 6532 lets
header fields carry raw UTF-8); MTAs also put their server's reply in it as it came: UTF-8
bytes in a part labelled US-ASCII, Latin-1 or nothing, or Windows-1252 words from an older
server. Valid UTF-8 is seldom anything else, so 8-bit bytes that are valid UTF-8 are read
as UTF-8 first; what is not, in the charset declared, else in the legacy charset
charset_normalizer finds likeliest. Reading never raises: a bad byte cannot stop the
mailbox.
"""

from __future__ import annotations

import codecs
import functools
import re

import charset_normalizer

# What servers write their words in when not UTF-8: Western European first (our network),
# then Cyrillic. Wider lists make charset_normalizer read French `è` as Czech `č` (cp1250).
LEGACY = ["cp1252", "iso8859_15", "cp1251", "koi8_r"]
SAMPLE = 64 * 1024  # enough bytes for a guess
# A part's declared charset (RFC 2045 5.1), on its Content-Type line or a folded line of it;
# the boundaries between parts (RFC 2046 5.1.1), after which a part declares its own.
_CHARSET = re.compile(rb"^(?:content-type:|[ \t]).*?\bcharset\s*=\s*\"?([\w.:+-]+)", re.I)
_BOUNDARY = re.compile(rb"\bboundary\s*=\s*(?:\"([^\"\r\n]+)\"|([^\s;]+))", re.I)


def decode(payload: bytes, charset: str | None) -> str:
    """`payload` as text: ASCII in its declared charset (ISO-2022-JP is 7-bit); 8-bit bytes
    that are valid UTF-8 as UTF-8 unless the charset declared is a multibyte one (Shift_JIS,
    GB 2312…); else in the declared charset; else in the likeliest of LEGACY, Windows-1252
    when none is likely; Latin-1, which reads any byte, at last. Never raises."""
    codec = _codec(charset)
    if payload.isascii():
        return _strict(payload, codec) or payload.decode("ascii")
    if codec is None or _single_byte(codec):  # a Latin-1 label on UTF-8 bytes: mislabelled
        text = _strict(payload, "utf-8")
        if text is not None:
            return text
    for name in (codec, "utf-8"):
        text = _strict(payload, name)
        if text is not None:
            return text
    return _strict(payload, _guess(payload)) or payload.decode("latin-1")


def message_text(raw: bytes) -> str:
    """A whole message as it came (transfer encodings kept), as text to show: each line on
    its own, so that a report mixing a UTF-8 part and a Windows-1252 one reads right in both.
    An ASCII line as it is; another as `decode` reads it in the charset its part declares
    when that reads it, else in the likeliest legacy charset of all such lines (guessed
    once). Line ends kept; never raises."""
    lines = raw.splitlines(keepends=True)
    boundaries = {b"--" + (quoted or bare).rstrip() for quoted, bare in _BOUNDARY.findall(raw)}
    declared, guessed, read = None, None, []
    for line in lines:
        if line.rstrip().removesuffix(b"--") in boundaries:
            declared = None  # the next part's headers say its own
        elif (found := _CHARSET.match(line)) is not None:
            declared = found[1].decode("ascii")
        if line.isascii():
            read.append(line.decode("ascii"))
            continue
        charset = declared if _strict(line, _codec(declared)) is not None else None
        if charset is None and _strict(line, "utf-8") is None:
            guessed = guessed or _guess(b"".join(
                other for other in lines if not other.isascii() and _strict(other, "utf-8")
                is None))
            charset = guessed
        read.append(decode(line, charset))
    return "".join(read)


def _codec(charset: str | None) -> str | None:
    """The codec of a declared charset; None when absent or unknown."""
    try:
        return codecs.lookup(charset.strip()).name if charset and charset.strip() else None
    except (LookupError, ValueError):
        return None


def _strict(payload: bytes, codec: str | None) -> str | None:
    try:
        return payload.decode(codec) if codec else None
    except (LookupError, UnicodeError, ValueError):
        return None


@functools.cache
def _single_byte(codec: str) -> bool:
    """Whether `codec` reads one byte as one character (Latin-1, Windows-125x, KOI8-R…):
    a text in one of them is seldom valid UTF-8, a text in a multibyte one may be."""
    try:
        return len(bytes(range(256)).decode(codec, "replace")) == 256
    except (LookupError, UnicodeError, ValueError, TypeError):
        return False


def _guess(payload: bytes) -> str:
    """The LEGACY charset that reads `payload` with the least chaos (charset_normalizer's
    measure of unlikely characters), then the most coherence; on a tie the first of LEGACY:
    a word or two of 8-bit letters (`Boîte`) reads as well in Cyrillic, a Russian
    sentence does not in Windows-1252."""
    try:
        found = list(charset_normalizer.from_bytes(payload[:SAMPLE], cp_isolation=LEGACY))
    except Exception:  # noqa: BLE001 - a guess that fails is no guess
        found = []
    order = {name: rank for rank, name in enumerate(LEGACY)}
    best = min(found, default=None, key=lambda match: (
        round(match.chaos, 3), -round(match.coherence, 3), order.get(match.encoding, 99)))
    return best.encoding if best is not None else "cp1252"
