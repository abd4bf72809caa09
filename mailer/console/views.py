"""Console pages: sign in and out, the issues with their validation state, the audit log."""

from __future__ import annotations

from pathlib import Path

from flask import g, redirect, request, url_for
from sqlalchemy import func, select

from mailer import db
from mailer.bounces.models import BounceEvent
from mailer.console.access import audit, check_login, close_session, open_session, requires
from mailer.console.base import bp, issue_path, labels, language_of_page, page, too_large
from mailer.console.models import AuditEntry, Role
from mailer.issue import IssueInvalid, load_issue
from mailer.redirects import local_target
from mailer.settings import get_settings
from mailer.webapp import limiter
from subscribers.models import Status, Subscriber
from workers.audience import audience_counts
from workers.models import Campaign

AUDIT_PAGE = 100
SESSION_END_REASONS = ("role", "password", "disabled", "idle")


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
                return redirect(local_target(request.args.get("next"),
                                             url_for("console.index")))
        error = True
    # A session that ended by itself says why (not after a logout: the member knows).
    ended = request.args.get("ended") if request.method == "GET" else None
    return page("login.html", error=error, email=email,
                ended=ended if ended in SESSION_END_REASONS else None), 401 if error else 200


@bp.post("/logout")
@requires(Role.EDITOR)
def logout():
    with db.session_scope() as db_session:
        audit(db_session, g.staff["email"], "logout")
        close_session(db_session, "logout")  # any saved copy of the cookie is dead too
    return redirect(url_for("console.login"))


@bp.get("/")
@requires(Role.EDITOR)
def index():
    issues = []
    words = labels()[language_of_page()]
    for path in sorted(Path(get_settings().issues_dir).glob("*.yaml")):
        if too_large(path):
            issues.append((path.name, [words["too_large"]]))
            continue
        try:
            load_issue(path)
            issues.append((path.name, []))
        except IssueInvalid as error:
            issues.append((path.name, [str(problem) for problem in error.problems]))
    with db.session_scope() as db_session:
        return page("index.html", issues=issues, glance=_at_a_glance(db_session))


def _at_a_glance(db_session) -> dict:
    """The list, the latest campaign and what waits for a person, for the home page."""
    return {
        "audience": audience_counts(db_session),
        "pending": db_session.scalar(select(func.count()).where(
            Subscriber.status == Status.PENDING)),
        "latest": db_session.scalars(select(Campaign).where(Campaign.test.is_(False))
                                     .order_by(Campaign.id.desc()).limit(1)).first(),
        "to_review": db_session.scalar(select(func.count()).where(
            BounceEvent.kind == "unknown")),
    }


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
        return page("audit.html", entries=entries[:AUDIT_PAGE], older=older)


@bp.get("/issues/<name>")
@requires(Role.EDITOR)
def issue(name: str):
    from markupsafe import Markup

    from mailer.render import environment, render_file
    from mailer.size import GMAIL_CLIP_BYTES, html_bytes, kilobytes

    path = issue_path(name)
    if too_large(path):
        return page("issue.html", name=name, problems=[labels()[language_of_page()]["too_large"]])
    try:
        editions = list(render_file(path).values())
    except IssueInvalid as error:
        return page("issue.html", name=name, problems=[str(p) for p in error.problems])
    with db.session_scope() as db_session:
        audit(db_session, g.staff["email"], "preview", issue=name)
    # The preview partial is rendered by the rendering environment (autoescaped there).
    words = labels()[language_of_page()]
    sizes = {edition.language: kilobytes(html_bytes(edition)) for edition in editions}
    previews = Markup(environment().get_template("preview_editions.html.j2")  # noqa: S704
                      .render(editions=editions, words=words, sizes=sizes))
    return page("issue.html", name=name, problems=[], editions=editions, previews=previews,
                too_large={code: kb for code, kb in sizes.items()
                           if kb * 1024 > GMAIL_CLIP_BYTES})
