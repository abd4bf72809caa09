"""The issue editor: every field of an issue as a form, both languages side by side, a live
preview, and saving into the same YAML file the command line reads (validated first,
comments kept, optimistic locking, every version kept)."""

from __future__ import annotations

import fcntl
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from flask import abort, g, jsonify, redirect, request, url_for
from pydantic import ValidationError
from ruamel.yaml import YAMLError

from mailer import db
from mailer.console import drafts, editor_form, issue_yaml, versions
from mailer.console.access import audit, requires
from mailer.console.base import bp, issue_path, language_of_page, page
from mailer.console.issue_files import NAME
from mailer.console.issue_problems import what
from mailer.console.models import Role
from mailer.console.preview import rendered_previews
from mailer.issue import IssueInvalid, issue_languages, load_issue
from mailer.labels import load_labels
from mailer.settings import get_settings
from workers import campaigns


def _folder() -> Path:
    return Path(get_settings().issues_dir)


def _being_sent(name: str) -> int | None:
    with db.session_scope() as session:
        return campaigns.live_from_file(session, Path(name).stem)


def _refuse_if_sending(name: str):
    campaign_id = _being_sent(name)
    if campaign_id is not None:
        return page("message.html", key="editing_while_sending",
                    back=url_for("console.campaign", campaign_id=campaign_id)), 409
    return None


def field_id(problem_field: str) -> str:
    """The form id of a problem's field: sections[0].title.fr → f-sections.0.title.fr."""
    return "f-" + problem_field.replace("[", ".").replace("]", "")


@contextmanager
def checked(text: str, name: str):
    """The issue of `text` (IssueInvalid lists its problems), checked as a file of the
    issues folder so that every rule of `infolettre validate` applies."""
    with tempfile.TemporaryDirectory(dir=_folder(), prefix=".editor-") as scratch:
        path = Path(scratch) / name
        path.write_text(text, encoding="utf-8")
        yield path, load_issue(path)


@contextmanager
def _locked():
    # One save at a time in the folder: the fingerprint check and the rename are one step.
    # The folder is the console's own: a working folder without it yet gets it (a first
    # issue saved in a new folder was a 500).
    _folder().mkdir(parents=True, exist_ok=True)
    with open(_folder() / ".editor.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _draft(name: str) -> dict | None:
    """The signed-in person's draft of `name` for the page to offer: {fields, base, at}."""
    with db.session_scope() as session:
        draft = drafts.found(session, name, g.staff["email"])
        return draft and {"fields": draft.fields, "base": draft.base, "at": draft.at}


# A choice of the issue's schema, named as the email names it (templates/labels/).
CHOICE_LABELS = {"group": "agenda_", "kind": "section_"}


def _choice_name(language: str):
    words = load_labels(language)
    return lambda key, value: words.get(CHOICE_LABELS.get(key, "") + value, value)


@bp.errorhandler(editor_form.FieldNameInvalid)
def _field_name_invalid(error: editor_form.FieldNameInvalid):
    return page("message.html", key="editor_field_invalid", detail=error.name), 400


def _editor(name: str, data: dict, base: str, new: bool = False, status: int = 200, **extra):
    language = language_of_page()
    languages = data.get("languages") or get_settings().languages
    extra.setdefault("stale", {})
    extra.setdefault("draft", None)
    return page("editor.html", name=name, data=data, base=base, new=new,
                fields=editor_form.issue_fields(), languages=languages,
                shown=editor_form.shown, help=language == "en",
                choice_name=_choice_name(language), **extra), status


def _readable(path: Path) -> dict:
    """The mapping of an issue file; empty if it is not YAML the editor can read."""
    try:
        return issue_yaml.read(path.read_text(encoding="utf-8"))
    except (YAMLError, UnicodeDecodeError):
        return {}


@bp.get("/issues/<name>/edit")
@requires(Role.EDITOR)
def editor(name: str):
    text = issue_path(name).read_text(encoding="utf-8", errors="replace")
    try:
        issue_yaml.read(text)
    except YAMLError:
        return page("message.html", key="editor_unreadable",
                    back=url_for("console.issue", name=name)), 400
    with db.session_scope() as session:
        stale = versions.stale(session, name)
    return _refuse_if_sending(name) or _editor(name, issue_yaml.read(text),
                                               issue_yaml.fingerprint(text),
                                               saved=request.args.get("saved"), stale=stale,
                                               draft=_draft(name))


@bp.get("/issues/new")
@requires(Role.EDITOR)
def editor_new():
    """A blank issue, or a copy of the last one with its texts emptied (?start=copy)."""
    data: dict = {}
    if request.args.get("start") == "copy":
        issues = [_readable(path) for path in _folder().glob("*.yaml")]
        last = max(issues, key=lambda issue: str(issue.get("date", "")), default={})
        data = editor_form.emptied(last)
        # The next number after every issue's, not the last one's: a number in use is
        # another issue's, and its readers would be left out of this one.
        numbers = [issue["number"] for issue in issues if type(issue.get("number")) is int]
        if numbers:
            data["number"] = max(numbers) + 1
    return _editor(request.args.get("name", ""), data, "", new=True, draft=_draft(drafts.NEW))


def _save(name: str, original: str, data: dict, new: bool) -> str:
    """Writes `data` into the file `name`, and forgets the draft it came from; IssueInvalid
    if it does not validate."""
    text = issue_yaml.written(original, data)
    with checked(text, name) as (path, _issue):
        os.replace(path, _folder() / name)
    with db.session_scope() as session:
        versions.record(session, name, original, text, g.staff["email"])
        audit(session, g.staff["email"], "issue created" if new else "issue saved", issue=name)
        drafts.drop(session, drafts.NEW if new else name, g.staff["email"])
    return text


@bp.post("/issues/<name>/edit")
@requires(Role.EDITOR)
def editor_save(name: str):
    new = request.form.get("new") == "1"
    if new:
        name = request.form.get("file_name", "").strip()
        if not NAME.fullmatch(name):
            return _editor(name, editor_form.unflatten(request.form.items(multi=True)), "",
                           new=True, status=400, error="issue_name_invalid")
    data = editor_form.unflatten(request.form.items(multi=True))
    refused = _refuse_if_sending(name)
    if refused:
        return refused
    path = _folder() / name
    with _locked():
        if new and path.exists():
            return _editor(name, data, "", new=True, status=409, error="editor_exists")
        if not new and not path.is_file():
            abort(404)
        original = "" if new else path.read_text(encoding="utf-8")
        current = issue_yaml.fingerprint(original)
        if not new and request.form.get("base") != current:
            # Someone saved since this form was opened: theirs stays, this one is shown
            # again with everything typed, to be saved over theirs once compared.
            return _editor(name, data, current, status=409, conflict=True)
        try:
            _save(name, original, data, new)
        except IssueInvalid as error:
            problems = [(p.field, field_id(p.field), what(p, language_of_page()))
                        for p in error.problems]
            return _editor(name, data, "" if new else current, new=new, status=400,
                           problems=problems)
    return redirect(url_for("console.editor", name=name, saved=1))


def _quick_check(data: dict, name: str):
    """The issue of the form and its problems, by the checks of `load_issue` without the
    YAML round trip (the preview asks on every pause in the typing; saving checks the file)."""
    from mailer.issue import problems_of
    from mailer.issue.loader import Problem, field_path
    from mailer.issue.messages import field_message
    from mailer.issue.schema import Issue

    try:
        issue = Issue.model_validate(data)
    except ValidationError as error:
        return None, [Problem(name, 0, field_path(tuple(e["loc"])), field_message(e))
                      for e in error.errors()]
    return issue, problems_of(issue, issue_languages(issue), name, {}, [])


@bp.post("/issues/<name>/preview")
@requires(Role.EDITOR)
def editor_preview(name: str):
    """The editions of the form as it stands, and its problems, as JSON for the page."""
    from mailer.render import render_editions
    from mailer.size import html_bytes, kilobytes

    data = editor_form.unflatten(request.form.items(multi=True))
    issue, problems = _quick_check(data, name)
    if problems:
        language = language_of_page()
        return jsonify(problems=[{"field": p.field, "id": field_id(p.field),
                                  "message": what(p, language).striptags()} for p in problems])
    editions = render_editions(issue, Path(name).stem, issue_languages(issue), web=False)
    sizes = {code: kilobytes(html_bytes(edition)) for code, edition in editions.items()}
    html = rendered_previews(list(editions.values()), sizes, language_of_page())
    return jsonify(problems=[], html=str(html), sizes=sizes)


@bp.get("/issues/<name>/versions")
@requires(Role.EDITOR)
def editor_versions(name: str):
    issue_path(name)
    with db.session_scope() as session:
        rows = versions.listed(session, name)
        diff = None
        first, second = request.args.get("a", ""), request.args.get("b", "")
        if first.isdigit() and second.isdigit():
            diff = versions.compare(session, name, int(first), int(second))
            if diff is None:
                abort(404)
        return page("versions.html", name=name, rows=rows, diff=diff,
                    a=first, b=second)


@bp.post("/issues/<name>/versions/<int:version_id>/restore")
@requires(Role.EDITOR)
def editor_restore(name: str, version_id: int):
    path = issue_path(name)
    refused = _refuse_if_sending(name)
    if refused:
        return refused
    with db.session_scope() as session:
        text = versions.content(session, name, version_id)
    if text is None:
        abort(404)
    with _locked():
        original = path.read_text(encoding="utf-8")
        try:
            with checked(text, name) as (candidate, _issue):
                os.replace(candidate, path)
        except IssueInvalid:
            return page("message.html", key="restore_invalid",
                        back=url_for("console.editor_versions", name=name)), 400
        with db.session_scope() as session:
            versions.record(session, name, original, text, g.staff["email"])
            audit(session, g.staff["email"], "issue restored", issue=name, version=version_id)
    return redirect(url_for("console.editor", name=name, saved=1))
