"""UTF-16 told from its first bytes: what Windows tools save as "Unicode" (Notepad,
PowerShell's `>`, Excel's "Unicode text"), with its byte order mark or without it.

Shared by the readers of files people save (issue files, subscriber CSV), which must say
"UTF-16" rather than read the bytes as some 8-bit encoding.
"""

from __future__ import annotations

import codecs


def utf16_codec(head: bytes) -> str | None:
    """The codec of a text starting with `head` (its first 4 bytes or more) when it is
    UTF-16: `utf-16` (it has a byte order mark), `utf-16-le` or `utf-16-be`; else None.
    Without a mark, every other byte of an ASCII start is NUL, which no 8-bit text holds."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[0] and not head[1] and head[2] and not head[3]:
        return "utf-16-le"
    if len(head) >= 4 and not head[0] and head[1] and not head[2] and head[3]:
        return "utf-16-be"
    return None
