"""Login, logout, the console's home, the staff member's language and the audit log."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError

from mailer import db
from mailer.console import staff as accounts
from mailer.console.models import Role, StaffMember
from mailer.console.web import blueprint, load_staff, page, requires, settings, stamp
from mailer.webapp import limiter

bp = blueprint("console_auth")
CONSOLE_BLUEPRINTS = ("console_auth", "console_issues")


@bp.before_app_request
def _staff():
    if request.blueprint in CONSOLE_BLUEPRINTS:
        load_staff()


@bp.app_errorhandler(403)
def forbidden(_error):
    if request.blueprint in CONSOLE_BLUEPRINTS:
        return page("message", 403, key="forbidden")
    return "Forbidden", 403


def _login_limit() -> str:
    return settings().login_limit


def _safe_next(target: str | None) -> str:
    # Only a path of this site: never send a fresh login on to another host.
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not (target or "").startswith("/console"):
        return url_for("console_auth.home")
    return target


@bp.get("/login")
def login():
    return page("login", next=request.args.get("next", ""))


@bp.post("/login")
@limiter.limit(_login_limit, methods=["POST"])
def login_post():
    email = request.form.get("email", "")
    with db.session_scope(settings().db_url) as s:
        member = accounts.authenticate(s, email, request.form.get("password", ""))
        if member is None:
            return page("login", 401, error=True, email=email, next=request.form.get("next"))
        accounts.audit(s, member, "login", ip=request.remote_addr)
        session.clear()  # a new session: no fixation of one set before login
        session.update(staff_id=member.id, staff_stamp=stamp(member))
        session.permanent = False
    return redirect(_safe_next(request.form.get("next")))


@bp.errorhandler(429)
def too_many(_error):
    return page("login", 429, limited=True)


@bp.errorhandler(CSRFError)
def csrf_failed(_error):
    return page("message", 400, key="csrf")


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("console_auth.login"))


@bp.get("/")
@requires(Role.EDITOR)
def home():
    return redirect(url_for("console_issues.index"))


@bp.post("/language")
@requires(Role.EDITOR)
def language():
    choice = request.form.get("language")
    if choice in ("fr", "en"):
        with db.session_scope(settings().db_url) as s:
            s.get(StaffMember, g.staff.id).language = choice
    return redirect(_safe_next(request.form.get("next")))


@bp.get("/audit")
@requires(Role.ADMIN)
def audit_log():
    with db.session_scope(settings().db_url) as s:
        return page("audit", entries=accounts.recent_audit(s))
