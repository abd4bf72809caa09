"""The issue format: load, validate and report problems with file, line and field."""

from __future__ import annotations

from pathlib import Path

from mailer.issue.loader import IssueInvalid, Problem
from mailer.issue.schema import Issue
from mailer.issue.translations import check
from mailer.settings import get_settings

__all__ = ["Issue", "IssueInvalid", "Problem", "issue_languages", "load_issue"]


def issue_languages(issue: Issue) -> list[str]:
    return issue.languages or get_settings().languages


def load_issue(path: str | Path) -> Issue:
    """The issue in `path`, fully checked; IssueInvalid lists every problem found."""
    from mailer.issue.links import check_markup_links
    from mailer.issue.loader import line_of, parse
    from mailer.issue.translations import texts
    from mailer.labels import has_catalogue

    path = Path(path)
    issue, lines = parse(path)
    languages = issue_languages(issue)
    problems = [
        Problem(str(path), line_of(lines, ("languages",)), "languages",
                f"no label catalogue for {code!r} (templates/labels/{code}.yaml)")
        for code in languages if not has_catalogue(code)
    ]
    problems += check(issue, languages, str(path), lines)
    source = path.read_text(encoding="utf-8").splitlines()
    problems += check_markup_links(texts(issue), str(path), lines, source)
    if problems:
        raise IssueInvalid(problems)
    return issue
