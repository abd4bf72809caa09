"""Per-recipient parts of a rendered issue, filled by substitution at send time.

An issue is rendered once per language with these markers where the per-recipient
URLs go; each message then only joins the pre-split pieces with the recipient's values,
which costs microseconds instead of a render.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Chosen to survive Jinja2, MJML, premailer and lxml untouched, and to never occur in content
# (the issue's own text is escaped before it reaches a template).
UNSUBSCRIBE_URL = "%%unsubscribe_url%%"
PREFERENCES_URL = "%%preferences_url%%"
VIEW_ONLINE_URL = "%%view_online_url%%"

NAMES = ("unsubscribe_url", "preferences_url", "view_online_url")
_MARKER = re.compile(r"%%(" + "|".join(NAMES) + r")%%")


def bind(text: str, values: Mapping[str, str]) -> str:
    """Fill the markers named in `values` once, for every recipient alike; others stay."""
    return _MARKER.sub(lambda marker: values.get(marker[1], marker[0]), text)


class Template:
    """A rendered text split once around its markers, filled many times."""

    __slots__ = ("pieces", "names")

    def __init__(self, text: str) -> None:
        parts = _MARKER.split(text)
        self.pieces: tuple[str, ...] = tuple(parts[0::2])
        self.names: tuple[str, ...] = tuple(parts[1::2])

    def fill(self, values: Mapping[str, str]) -> str:
        out = [self.pieces[0]]
        for name, piece in zip(self.names, self.pieces[1:], strict=True):
            out.append(values[name])
            out.append(piece)
        return "".join(out)

