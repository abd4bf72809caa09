"""Drafts: what a person types in the editor, kept on the server while they type (the page
asks after each pause, and once more when the tab is closed: the form's fields as one JSON
list of [name, value] pairs), so that another browser or
another day can take it up again. A draft is one per person and issue, is neither a
version nor checked, never touches the issue file, and is gone once saved or discarded."""

from __future__ import annotations

import json

from flask import abort, g, jsonify, request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mailer import db
from mailer.console.access import requires
from mailer.console.base import bp
from mailer.console.issue_files import NAME
from mailer.console.models import IssueDraft, Role
from mailer.db import utcnow

NEW = "new"  # the draft of an issue not saved yet


def found(session: Session, issue: str, who: str) -> IssueDraft | None:
    """The draft `who` left of `issue` (a file name, or NEW), if any."""
    return session.scalar(select(IssueDraft).where(IssueDraft.issue == issue,
                                                   IssueDraft.staff_email == who))


def keep(session: Session, issue: str, who: str, base: str, fields: list[list[str]]) -> None:
    """Keeps `fields` ([name, value] pairs, in the form's order) as `who`'s draft of
    `issue`, begun on the file whose fingerprint is `base`; replaces the one before."""
    draft = found(session, issue, who) or IssueDraft(issue=issue, staff_email=who)
    draft.base, draft.fields, draft.at = base[:64], fields, utcnow()
    session.add(draft)


def drop(session: Session, issue: str, who: str) -> None:
    """Forgets `who`'s draft of `issue` (saved, or discarded)."""
    session.execute(delete(IssueDraft).where(IssueDraft.issue == issue,
                                             IssueDraft.staff_email == who))


def _issue(name: str) -> str:
    if name != NEW and not NAME.fullmatch(name):
        abort(404)
    return name


@bp.post("/issues/<name>/draft")
@requires(Role.EDITOR)
def draft_keep(name: str):
    try:
        fields = json.loads(request.form.get("fields", ""))
    except (ValueError, RecursionError):  # [[[[… thousands deep was a 500
        fields = None
    if not isinstance(fields, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) for v in pair)
            for pair in fields):
        return jsonify(error="fields: a JSON list of [name, value] pairs"), 400
    with db.session_scope() as session:
        keep(session, _issue(name), g.staff["email"], request.form.get("base", ""), fields)
    return jsonify(kept=True)


@bp.post("/issues/<name>/draft/discard")
@requires(Role.EDITOR)
def draft_discard(name: str):
    with db.session_scope() as session:
        drop(session, _issue(name), g.staff["email"])
    return jsonify(discarded=True)
