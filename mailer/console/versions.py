"""Every saved version of an issue file: recorded on each save, listed, compared word by
word, and read back to be restored."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer.console.models import IssueVersion
from mailer.errors import ROW_ID_MAX

# The text as it was before the editor first saved it (uploaded, or written by hand).
BEFORE = "—"
WORDS = re.compile(r"\s+|[^\s]+")


def record(session: Session, issue: str, before: str, after: str, who: str) -> None:
    """Keeps `after` as saved by `who`; the first save also keeps the text it replaced."""
    known = session.scalar(select(IssueVersion.id).where(IssueVersion.issue == issue).limit(1))
    if known is None and before:
        session.add(IssueVersion(issue=issue, staff_email=BEFORE, content=before))
    session.add(IssueVersion(issue=issue, staff_email=who, content=after))


def listed(session: Session, issue: str) -> list[IssueVersion]:
    """The versions of `issue`, newest first."""
    return list(session.scalars(select(IssueVersion).where(IssueVersion.issue == issue)
                                .order_by(IssueVersion.id.desc())))


def content(session: Session, issue: str, version_id: int) -> str | None:
    if not 0 < version_id <= ROW_ID_MAX:  # ?a=99999999999999999999: OverflowError
        return None
    version = session.get(IssueVersion, version_id)
    return version.content if version is not None and version.issue == issue else None


def compare(session: Session, issue: str, first: int, second: int) -> list[tuple[str, str]] | None:
    """The words of version `second` against `first`: (op, words) with op one of
    "same", "del", "ins"; None when either is not a version of `issue`."""
    old, new = content(session, issue, first), content(session, issue, second)
    if old is None or new is None:
        return None
    a, b = WORDS.findall(old), WORDS.findall(new)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("ins", "".join(b[j1:j2])))
    return out


LANGUAGE = re.compile(r"[a-z]{2,3}")


def _texts(value, path: str = ""):
    """(dotted path, {language: text}) of every translated text of an issue mapping."""
    if isinstance(value, dict):
        if value and all(LANGUAGE.fullmatch(str(k)) and isinstance(v, str)
                         for k, v in value.items()):
            yield path, value
            return
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}.{index}")


@lru_cache(maxsize=512)
def _texts_of(version_id: int, content: str) -> dict[str, dict[str, str]]:
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError:
        return {}
    return dict(_texts(data))


def stale(session: Session, issue: str) -> dict[str, dict[str, tuple[str, object]]]:
    """{text path: {language: (other language, when)}}: the translations older than the
    last change of the same text in another language, by the saved versions."""
    changed: dict[tuple[str, str], tuple[int, object]] = {}
    previous: dict[str, dict[str, str]] = {}
    rows = session.execute(select(IssueVersion.id, IssueVersion.at, IssueVersion.content)
                           .where(IssueVersion.issue == issue).order_by(IssueVersion.id))
    for order, (version_id, at, text) in enumerate(rows):
        texts = _texts_of(version_id, text)
        for path, values in texts.items():
            for language, value in values.items():
                if order == 0 or previous.get(path, {}).get(language) != value:
                    changed[(path, language)] = (order, at)
        previous = texts
    out: dict[str, dict[str, tuple[str, object]]] = {}
    for path, values in previous.items():
        for language in values:
            mine = changed.get((path, language), (0, None))[0]
            for other in values:
                theirs = changed.get((path, other), (0, None))
                if other != language and theirs[0] > mine:
                    out.setdefault(path, {})[language] = (other, theirs[1])
    return out
