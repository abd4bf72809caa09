"""File names as the operating system gives them: bytes, which Python reads as text with each
byte that is not UTF-8 kept as a lone surrogate (PEP 383, "surrogateescape"). Such a name
cannot be encoded for a page, a terminal or a hash: it is said, shown with U+FFFD, and the
file is to be renamed."""

from __future__ import annotations

from pathlib import Path


def shown_name(path: Path | str) -> str | None:
    """`path` as text with its bytes that are not UTF-8 shown as U+FFFD; None when it is all
    UTF-8 (nothing to say)."""
    name = str(path)
    try:
        name.encode()
    except UnicodeEncodeError:
        return name.encode(errors="surrogateescape").decode(errors="replace")
    return None
