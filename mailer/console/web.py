"""What the console's pages share: the logged-in staff member, role checks, labels, pages."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml
from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from mailer import db
from mailer.console.models import Role, StaffMember
from mailer.settings import Settings

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
LABELS = TEMPLATES / "console" / "labels"


def blueprint(name: str) -> Blueprint:
    return Blueprint(name, __name__, url_prefix="/console", template_folder=str(TEMPLATES))


def settings() -> Settings:
    return current_app.config["SETTINGS"]


@functools.cache
def labels(language: str) -> dict[str, str]:
    path = LABELS / f"{language}.yaml"
    if not path.exists():
        path = LABELS / "fr.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def staff_language() -> str:
    member = g.get("staff")
    if member is not None:
        return member.language
    return request.accept_languages.best_match(["fr", "en"]) or "fr"


def page(template: str, status: int = 200, **context):
    language = staff_language()
    body = render_template(
        f"console/{template}.html", t=labels(language), lang=language,
        staff=g.get("staff"), **context,
    )
    return body, status, {"Content-Language": language}


def load_staff() -> None:
    """Before every console request: the staff member of the session cookie, if any."""
    g.staff = None
    staff_id = session.get("staff_id")
    if staff_id is None:
        return
    with db.session_scope(settings().db_url) as s:
        member = s.get(StaffMember, staff_id)
        # A changed password or role ends the sessions opened before the change.
        if member is not None and session.get("staff_stamp") == stamp(member):
            g.staff = member
        else:
            session.clear()


def stamp(member: StaffMember) -> str:
    return f"{member.role}:{member.password_hash[-12:]}"


def requires(role: Role):
    """The view needs a logged-in staff member holding at least `role`."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            member = g.get("staff")
            if member is None:
                return redirect(url_for("console_auth.login", next=request.full_path))
            if not Role(member.role).allows(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
