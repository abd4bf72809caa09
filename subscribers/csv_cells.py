"""Cells a spreadsheet would run as formulas, made inert on export and read back on import.

OWASP's advice on CSV injection: a cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return is a formula to Excel and LibreOffice, so the export prefixes it with `'`,
which spreadsheets show as text. The prefix is also added before quotes already in front
of such a character, so that `restore` (remove one `'`) gives back exactly the original:
a subscriber named `'=x` survives an export and an import.
"""

from __future__ import annotations

import re

_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def neutralise(cell: str) -> str:
    """The cell as an export writes it: `'` in front of anything a spreadsheet would run."""
    return "'" + cell if _FORMULA.match(cell) else cell


def restore(cell: str) -> str:
    """The original text of a cell written by `neutralise`."""
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell) else cell
