"""Attack 2: a session cookie saved before logout (or before a password or role change, or
disabling) opens the console again (issue 12). Sessions are kept on the server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from mailer import db
from mailer.console import access
from mailer.console.models import StaffSession
from mailer.db import utcnow
from mailer.settings import get_settings
from tests.security.conftest import csrf_token, sign_in


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """A fresh browser carrying a saved copy of the cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/console/staff")


def test_a_cookie_saved_before_logout_opens_nothing(site):
    app = site()
    client = app.test_client()
    sign_in(client, "admin@example.org")
    saved = _cookie(client)
    assert _replay(app, saved).status_code == 200
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    for _ in range(2):  # and using it does not bring it back
        answer = _replay(app, saved)
        assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]


def test_login_gives_a_new_session_id(site):
    app = site()
    client = app.test_client()
    client.get("/console/login")
    planted = _cookie(client)  # what an attacker could have set before the victim signs in
    sign_in(client, "admin@example.org")
    assert _cookie(client) != planted
    assert _replay(app, planted).status_code == 302


def _member(email):
    with db.session_scope(get_settings().db_url) as session:
        return access.find_staff(session, email).id


def test_role_change_ends_the_session_and_says_why(site):
    app = site()
    editor, admin = app.test_client(), app.test_client()
    sign_in(editor, "editor@example.org")
    assert editor.get("/console/").status_code == 200
    sign_in(admin, "admin@example.org")
    admin.post(f"/console/staff/{_member('editor@example.org')}",
               data={"action": "role", "role": "sender",
                     "csrf_token": csrf_token(admin, "/console/staff")})
    answer = editor.get("/console/")
    assert answer.status_code == 302 and "ended=role" in answer.headers["Location"]
    page = editor.get(answer.headers["Location"]).text
    assert "Your role in the team has changed" in page.replace("&#39;", "'")


def test_password_change_and_disabling_end_the_other_sessions(site):
    app = site()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "editor@example.org")
    sign_in(phone, "editor@example.org")
    laptop.post("/console/account", data={
        "language": "en", "current_password": "correct horse battery",
        "new_password": "a brand new passphrase",
        "csrf_token": csrf_token(laptop, "/console/account")})
    assert laptop.get("/console/").status_code == 200  # the session that changed it goes on
    assert "ended=password" in phone.get("/console/").headers["Location"]
    with db.session_scope(get_settings().db_url) as session:
        access.set_disabled(access.find_staff(session, "editor@example.org"), True)
    assert "ended=disabled" in laptop.get("/console/").headers["Location"]


def test_an_idle_session_ends_on_the_server_too(site):
    app = site()
    client = app.test_client()
    sign_in(client, "admin@example.org")
    saved = _cookie(client)
    with db.session_scope(get_settings().db_url) as session:  # unused for 13 hours
        session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=13)))
    # Even a copy of the cookie kept past its expiry (or re-signed) is refused by the server.
    assert "ended=idle" in _replay(app, saved).headers["Location"]
