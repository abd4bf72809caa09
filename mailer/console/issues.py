"""The issue files the console shows: their validation state and rendered editions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mailer.edition import Edition
from mailer.issue.loader import IssueInvalid, Problem

GMAIL_CLIP_BYTES = 102 * 1024  # Gmail cuts a message's HTML beyond this ("[Message clipped]")
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


@dataclass
class IssueState:
    slug: str
    path: Path
    editions: dict[str, Edition] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def size(self, language: str) -> int:
        return len(self.editions[language].html.encode("utf-8"))


def issue_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if SLUG.match(p.stem))


def find(folder: Path, slug: str) -> Path | None:
    """The file of `slug` in `folder`: only a plain name, so no path leaves the folder."""
    path = folder / f"{slug}.yaml"
    return path if SLUG.match(slug) and path.is_file() else None


def examine(path: Path) -> IssueState:
    from mailer.render import render_file

    state = IssueState(path.stem, path)
    try:
        state.editions = render_file(path)
    except IssueInvalid as error:
        state.problems = error.problems
    except (OSError, ValueError) as error:
        state.problems = [Problem(str(path.name), 0, "", str(error))]
    return state
