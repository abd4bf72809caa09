"""Console pages: sign in and out, the issues with their validation state, the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import yaml
from babel import Locale
from babel.dates import format_datetime, get_timezone
from babel.numbers import format_decimal
from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from mailer import db
from mailer.console.access import audit, check_login, open_session, requires
from mailer.console.models import AuditEntry, Role
from mailer.issue import IssueInvalid, load_issue
from mailer.settings import get_settings
from mailer.webapp import limiter

AUDIT_PAGE = 100
# The views that take a file: up to `console_upload_max_bytes` instead of the app's 64 KB.
UPLOADS = {"console.subscribers_upload", "console.issue_upload"}

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")


@bp.record_once
def _larger_uploads(state) -> None:
    # The limit must be raised before CSRFProtect (an earlier before_request) parses the
    # form, hence first in the app's list.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_uploads)


def _allow_uploads() -> None:
    if request.endpoint in UPLOADS:
        request.max_content_length = get_settings().console_upload_max_bytes


LABELS = Path(__file__).with_name("labels")


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict]:
    """Every catalogue of the console by language: `labels/<language>.yaml`."""
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in sorted(LABELS.glob("*.yaml"))}


def _page(template: str, **context):
    staff = g.get("staff")
    language = (staff or {}).get("language") or request.args.get("lang") or \
        get_settings().default_language
    labels = _labels()
    language = language if language in labels else "en"
    return render_template(f"console/{template}", lang=language, t=labels[language],
                           count=lambda key, n: _count(labels[language][key], n, language),
                           when=lambda moment: _when(moment, language), **context)


def _when(moment: datetime | None, language: str) -> str:
    """A time as the language writes it, in the console's time zone (SQLite gives UTC
    without a zone)."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = get_timezone(get_settings().console_timezone)
    return format_datetime(moment, "short", tzinfo=zone, locale=language)


def _count(forms: dict[str, str], n: int, language: str) -> str:
    """A number in words of the language: the plural form and digit grouping of its locale."""
    form = Locale.parse(language).plural_form(n)
    return forms.get(form, forms["other"]).format(n=format_decimal(n, locale=language))


@bp.errorhandler(403)
def forbidden(_error):
    return _page("message.html", key="forbidden"), 403


@bp.errorhandler(404)
def not_found(_error):
    return _page("message.html", key="not_found"), 404


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute;50/hour", methods=["POST"], key_func=lambda: request.remote_addr)
def login():
    error, email = None, request.form.get("email", "")
    if request.method == "POST":
        with db.session_scope() as db_session:
            member = check_login(db_session, email, request.form.get("password", ""))
            if member is not None:
                audit(db_session, member.email, "login")
                open_session(member)
                target = request.args.get("next", "")
                # Only a path of this site: no open redirect.
                if not target.startswith("/") or target.startswith("//"):
                    target = url_for("console.index")
                return redirect(target)
        error = True
    return _page("login.html", error=error, email=email), 401 if error else 200


@bp.post("/logout")
@requires(Role.EDITOR)
def logout():
    with db.session_scope() as db_session:
        audit(db_session, g.staff["email"], "logout")
    session.clear()
    return redirect(url_for("console.login"))


@bp.get("/")
@requires(Role.EDITOR)
def index():
    issues = []
    for path in sorted(Path(get_settings().issues_dir).glob("*.yaml")):
        try:
            load_issue(path)
            issues.append((path.name, []))
        except IssueInvalid as error:
            issues.append((path.name, [str(problem) for problem in error.problems]))
    return _page("index.html", issues=issues)


@bp.get("/audit")
@requires(Role.ADMIN)
def audit_log():
    with db.session_scope() as db_session:
        # Newest first, a page at a time: `before` is the last id of the previous page.
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE + 1)
        if request.args.get("before", "").isdigit():
            query = query.where(AuditEntry.id < int(request.args["before"]))
        entries = db_session.scalars(query).all()
        older = entries[AUDIT_PAGE - 1].id if len(entries) > AUDIT_PAGE else None
        return _page("audit.html", entries=entries[:AUDIT_PAGE], older=older)


def found_or_404(db_session, model, key: int):
    row = db_session.get(model, key)
    if row is None:
        abort(404)
    return row


def issue_path(name: str) -> Path:
    """An issue file of the issues folder, by its bare name; 404 for anything else."""
    path = Path(get_settings().issues_dir) / name
    if path.suffix != ".yaml" or path.name != name or not path.is_file():
        abort(404)
    return path


@bp.get("/issues/<name>")
@requires(Role.EDITOR)
def issue(name: str):
    from markupsafe import Markup

    from mailer.render import environment, render_file

    path = issue_path(name)
    try:
        editions = list(render_file(path).values())
    except IssueInvalid as error:
        return _page("issue.html", name=name, problems=[str(p) for p in error.problems])
    with db.session_scope() as db_session:
        audit(db_session, g.staff["email"], "preview", issue=name)
    # The preview partial is rendered by the rendering environment (autoescaped there).
    previews = Markup(environment().get_template("preview_editions.html.j2")  # noqa: S704
                      .render(editions=editions))
    return _page("issue.html", name=name, problems=[], editions=editions, previews=previews)
