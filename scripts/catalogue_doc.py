"""Writes docs/catalogues.md: every key of the three catalogues with its English text.

Run after adding or changing a key: `.venv/bin/python scripts/catalogue_doc.py`
(tests/test_labels.py fails while the document and the catalogues disagree).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "catalogues.md"
FAMILIES = [
    ("email", "templates/labels",
     "the fixed labels of each issue's email and web page, the archive"),
    ("pages", "subscribers/labels",
     "the public pages (signup, confirm, unsubscribe, preferences) and the confirmation email"),
    ("console", "mailer/console/labels", "the staff console"),
]
INTRO = """# The word catalogues

Every word the product shows, outside an issue's own texts, comes from a catalogue: one YAML
file per language in each of three families. Adding a language needs no code:

1. add its code to `INFOLETTRE_LANGUAGES` (e.g. `["fr","en","de"]`);
2. optionally, translate: `<language>.yaml` beside the shipped files below, or, without
   touching the installation, in `INFOLETTRE_CATALOGUES_DIR/<family>/<language>.yaml`
   (its keys override the shipped ones one by one).

Whatever a language lacks (a whole file, or a key) is taken from
`INFOLETTRE_FALLBACK_LANGUAGE` (default `en`), and is marked in the page as being in that
language (`<span lang="en">…</span>`, WCAG 3.1.2). Language names ("Deutsch", "allemand")
and the way numbers and dates are written come from Babel (CLDR), not from the catalogues;
the `locale` key of the email family picks the date style (default: the language code).

Values are plain text (escaped). `{name}`-style placeholders are filled by the code, and are
listed with each key below. A value given as `{one: "…", other: "…"}` is a count, chosen by
the language's CLDR plural rules (`few`, `many` … may be added where the language has them).
Keys are lower case; a key ending in `_title` and `_text` makes a message page together.

One term per concept in each language, across the console, the emails and the public pages
(tests/test_vocabulary.py fails if another comes back): in English *email*, *email address*,
*unsubscribe*, *subscriber*; in French *courriel*, *adresse électronique*, *se désabonner* /
*désabonnement*, *abonné·e* / *abonné·es*. A new language picks its own and keeps to them.

This file is written by `scripts/catalogue_doc.py`; the English text says what each key is for.
"""


def render() -> str:
    out = [INTRO]
    for family, folder, what in FAMILIES:
        words = yaml.safe_load((ROOT / folder / "en.yaml").read_text(encoding="utf-8"))
        out += [f"## `{family}`: `{folder}/<language>.yaml`", "", f"Used for {what}.", "",
                "| key | English text |", "| --- | --- |"]
        for key, value in words.items():
            text = " / ".join(f"{form}: {v}" for form, v in value.items()) \
                if isinstance(value, dict) else str(value)
            cell = text.replace("|", r"\|")
            out.append(f"| `{key}` | {cell} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"{DOC.relative_to(ROOT)} written\n")
