"""The team's accounts: admins add members, change roles, disable and enable accounts; each
member sets their own language and password. Every change is in the audit log."""

from __future__ import annotations

from flask import g, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mailer import db
from mailer.console import access
from mailer.console.access import WeakPassword, audit, requires
from mailer.console.base import bp, found_or_404, page, staff_languages
from mailer.console.models import Role, StaffMember
from mailer.webapp import limiter
from subscribers.validation import InvalidInput, check_email

ROLES = [role.name.lower() for role in Role]


def _role(raw: str | None) -> Role:
    if raw not in ROLES:
        raise InvalidInput("role", "role_invalid")
    return Role[raw.upper()]


def _language(raw: str | None) -> str:
    if raw not in staff_languages():
        raise InvalidInput("language", "language_invalid")
    return raw


def _team(error: InvalidInput | None = None, form: dict | None = None, status: int = 200):
    with db.session_scope() as session:
        members = session.scalars(select(StaffMember).order_by(StaffMember.email)).all()
    return page("staff.html", members=members, roles=ROLES, languages=list(staff_languages()),
                 error=error, form=form or {}), status


@bp.get("/staff")
@requires(Role.ADMIN)
def staff_list():
    return _team()


@bp.post("/staff")
@requires(Role.ADMIN)
def staff_add():
    form = request.form
    try:
        email = check_email(form.get("email", ""))
        role, language = _role(form.get("role")), _language(form.get("language"))
        with db.session_scope() as session:
            access.add_staff(session, email, form.get("password", ""), role, language)
            audit(session, g.staff["email"], "staff added", email=email, role=role.name.lower())
    except InvalidInput as error:
        return _team(error, form, 400)
    except WeakPassword:
        return _team(InvalidInput("password", "password_short"), form, 400)
    except IntegrityError:
        return _team(InvalidInput("email", "staff_exists"), form, 400)
    return redirect(url_for("console.staff_list"))


@bp.post("/staff/<int:member_id>")
@requires(Role.ADMIN)
def staff_change(member_id: int):
    """Change a member's role, or disable or enable the account; their sessions end."""
    action = request.form.get("action")
    with db.session_scope() as session:
        member = found_or_404(session, StaffMember, member_id)
        try:
            if action == "role":
                access.set_role(member, _role(request.form.get("role")))
            elif action in ("disable", "enable"):
                access.set_disabled(member, action == "disable")
            else:
                raise InvalidInput("action", "action_invalid")
            session.flush()
            if access.active_admins(session) == 0:  # nobody could manage the team any more
                raise InvalidInput("role", "last_admin")
        except InvalidInput as error:
            session.rollback()
            return _team(error, status=400)
        audit(session, g.staff["email"], f"staff {action}", email=member.email,
              role=member.role)
    return redirect(url_for("console.staff_list"))


@bp.route("/account", methods=["GET", "POST"])
@limiter.limit("10/minute;50/hour", methods=["POST"], key_func=lambda: request.remote_addr)
@requires(Role.EDITOR)
def account():
    """One's own language and password (the current password proves it is still you)."""
    error, saved = None, False
    if request.method == "POST":
        with db.session_scope() as session:
            member = session.get(StaffMember, g.staff["id"])
            try:
                member.language = _language(request.form.get("language"))
                new = request.form.get("new_password", "")
                if new:
                    current = request.form.get("current_password", "")
                    if access.check_login(session, member.email, current) is None:
                        raise InvalidInput("current_password", "bad_login")
                    try:
                        access.set_password(member, new)
                    except WeakPassword:
                        raise InvalidInput("new_password", "password_short") from None
                    audit(session, member.email, "password changed")
                    access.open_session(member)  # this session goes on; the others end
            except InvalidInput as invalid:
                session.rollback()
                error = invalid
            else:
                g.staff["language"], saved = member.language, True
    return page("account.html", error=error, saved=saved, languages=list(staff_languages())), \
        400 if error else 200
