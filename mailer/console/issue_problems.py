"""An issue file's problems in the staff member's language: `file:line: field: what`, the
form the command line writes, with the file's bare name (never the server's folder).

A problem with a code (mailer.issue.loader.Problem) is said by the console's catalogue,
`problem_<code>`; one without, or with a code the catalogue lacks, in the English the
command line prints, marked as English. A `hint` among the values (a link's fix, written by
the issue checks) is English too, and marked so.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup, escape

from mailer.catalogue import Word, fill, language_name
from mailer.console.base import labels
from mailer.issue import Problem


def in_words(problem: Problem, language: str) -> Markup:
    """The problem as HTML text in `language` (the fallback language's words marked)."""
    where = Path(problem.file).name + (f":{problem.line}" if problem.line else "")
    field = f" {problem.field}:" if problem.field else ""
    return Markup("{}:{} {}").format(where, field, what(problem, language))


def what(problem: Problem, language: str) -> Markup:
    """What is wrong and the fix, as HTML text in `language`."""
    words = labels(language)
    template = words.get(f"problem_{problem.code}") if problem.code else None
    if template is None:
        return escape(problem.message if words.language == "en"
                      else Word(problem.message, "en"))
    return escape(template).format(**_values(problem.values, words))


def _values(values: dict, words) -> dict:
    language = words.language
    shown = dict(values)
    if "kind" in shown:  # what YAML made of a key that is not a name: `key_<kind>`
        shown["kind"] = fill(words[f"key_{shown['kind']}"], key=shown.get("key", ""))
    if "language" in shown:  # a code, as the member's language names it: "allemand"
        shown["language"] = language_name(shown["language"], language)
    if "hint" in shown and language != "en":
        shown["hint"] = Word(shown["hint"], "en")
    return shown
