"""Console pages: sign in and out, the issues with their validation state, the audit log."""

from __future__ import annotations

from flask import g, redirect, request, url_for
from sqlalchemy import func, select

from mailer import db
from mailer.bounces.models import BounceEvent
from mailer.console import audit_words
from mailer.console.access import audit, check_login, close_session, open_session, requires
from mailer.console.base import bp, labels, language_of_page, page
from mailer.console.issue_list import issue_rows
from mailer.console.models import AuditEntry, Role
from mailer.redirects import local_target
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
    with db.session_scope() as db_session:
        return page("index.html", issues=issue_rows(db_session, language_of_page()),
                    glance=_at_a_glance(db_session))


def _at_a_glance(db_session) -> dict:
    """The list, the latest campaign and what waits for a person, for the home page."""
    return {
        "audience": audience_counts(db_session),
        "pending": db_session.scalar(select(func.count()).where(
            Subscriber.status == Status.PENDING)),
        "latest": db_session.scalars(select(Campaign).where(Campaign.test.is_(False))
                                     .order_by(Campaign.id.desc()).limit(1)).first(),
        "to_review": db_session.scalar(select(func.count()).where(
            BounceEvent.kind.in_(("unknown", "held")))),
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
        words = labels(language_of_page())
        shown = [(entry, audit_words.details(words, entry.action, entry.detail))
                 for entry in entries[:AUDIT_PAGE]]
        return page("audit.html", entries=shown, older=older,
                    actor=lambda who: audit_words.actor(words, who))
