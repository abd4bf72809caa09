"""The issue format: load, validate and report problems with file, line and field."""

from __future__ import annotations

from pathlib import Path

from mailer.issue.loader import IssueInvalid, Problem
from mailer.issue.schema import Issue
from mailer.issue.translations import check, check_fallbacks, fallback_chains
from mailer.settings import get_settings

__all__ = ["Issue", "IssueInvalid", "Problem", "issue_languages", "load_issue",
           "problems_of"]


def issue_languages(issue: Issue) -> list[str]:
    return issue.languages or get_settings().languages


def load_issue(path: str | Path, languages: list[str] | None = None) -> Issue:
    """The issue in `path`, fully checked in `languages` (by default its own, else the
    configured ones); IssueInvalid lists every problem found."""
    from mailer.issue.loader import parse

    path = Path(path)
    issue, lines = parse(path)
    source = path.read_text(encoding="utf-8").splitlines()
    problems = problems_of(issue, languages or issue_languages(issue), str(path), lines, source)
    if problems:
        raise IssueInvalid(problems)
    return issue


def problems_of(issue: Issue, languages: list[str], name: str, lines: dict,
                source: list[str]) -> list[Problem]:
    """What the schema cannot see in a parsed issue: languages, translations, links and
    invisible characters.
    `lines` maps field paths to lines, `source` is the file's text (both empty for an
    issue that comes from a form: its problems then carry line 0)."""
    from mailer.catalogue import language_name
    from mailer.issue.characters import check_invisible
    from mailer.issue.links import check_markup_links
    from mailer.issue.loader import line_of
    from mailer.issue.translations import texts

    # Any language Babel knows has labels: its own catalogue, or the fallback language's.
    problems = [
        Problem(name, line_of(lines, ("languages",)), "languages",
                f"{code!r} is not a language code (ISO 639-1, e.g. 'de')",
                "language_code", {"code": code})
        for code in languages if language_name(code) == code
    ]
    problems += _listed_once(issue.languages, name, lines)
    # The translation checks go on with the codes that are languages: a refused code
    # (`"en\n"`) would only add a "missing" line per text, spelled with that code.
    known = list(dict.fromkeys(code for code in languages if language_name(code) != code))
    # A fallback is to and from a language of the issue, or one configured (a German
    # edition's before the issue lists de); never a language to itself. One with a code
    # already refused above is not said again.
    listed = list(dict.fromkeys([*issue_languages(issue), *get_settings().languages]))
    allowed = [code for code in listed if language_name(code) != code]
    fallbacks = {key: value for key, value in issue.fallbacks.items()
                 if not {key, value} & (set(listed) - set(allowed))}
    bad_fallbacks = check_fallbacks(fallbacks, allowed, name, lines)
    problems += bad_fallbacks
    refused = {problem.values["code"] for problem in bad_fallbacks}  # said once there
    missing = check(issue, known, name, lines, frozenset(refused))
    # A chain or a loop of fallbacks is said once at `fallbacks`, and the texts it leaves
    # missing are not said again; one that leaves nothing missing is no problem.
    lacking = {problem.values["language"] for problem in missing if problem.code == "missing"}
    chains = [problem for problem in fallback_chains(
        {key: value for key, value in fallbacks.items() if key not in refused},
        allowed, name, lines) if lacking & set(problem.values["refused"])]
    said = {code for problem in chains for code in problem.values["refused"]}
    problems += chains + [problem for problem in missing if problem.code != "missing"
                          or problem.values["language"] not in said]
    problems += check_markup_links(texts(issue), name, lines, source)
    problems += check_invisible(issue, name, lines, source)
    return problems


def _listed_once(languages: list[str] | None, name: str, lines: dict) -> list[Problem]:
    """`languages: []` (an issue in no language) and a language listed twice, at their
    line; None (no `languages:`) takes the configured ones."""
    from mailer.issue.loader import line_of

    if languages is None:
        return []
    if not languages:
        return [Problem(name, line_of(lines, ("languages",)), "languages",
                        "an empty list: write the issue's languages, e.g. [fr, en], or "
                        "remove the line to take the configured ones", "languages_empty")]
    return [Problem(name, line_of(lines, ("languages", index)), f"languages[{index}]",
                    f"{code!r} is listed twice: list each language once",
                    "language_twice", {"code": code})
            for index, code in enumerate(languages) if code in languages[:index]]
