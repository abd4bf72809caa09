"""Access to the console: accounts, login, sessions, CSRF, roles, rate limit, audit log."""

from __future__ import annotations

import subprocess
import sys

from mailer import db
from mailer.console.models import AuditEntry, StaffMember
from tests.console.conftest import PASSWORD, csrf_token, log_in
from tests.support.webapp import infolettre_env


def test_logged_out_sees_nothing(client):
    for path in ("/console/", "/console/issues", "/console/issues/091", "/console/audit"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/console/login")


def test_login_then_logout(client):
    response = log_in(client, "editor")
    assert response.status_code == 302
    assert "editor@example.org" in client.get("/console/issues").get_data(as_text=True)
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/issues")})
    assert client.get("/console/issues").status_code == 302


def test_wrong_password_is_refused(client):
    response = log_in(client, "editor", "not the password")
    assert response.status_code == 401
    assert "Adresse ou mot de passe incorrect" in response.get_data(as_text=True)
    assert client.get("/console/issues").status_code == 302


def test_forged_csrf_token_is_refused(client):
    response = client.post("/console/login", data={
        "email": "editor@example.org", "password": PASSWORD, "csrf_token": "forged",
    })
    assert response.status_code == 400
    assert client.get("/console/issues").status_code == 302


def test_login_is_rate_limited(client):
    codes = [log_in(client, "editor", "wrong password!").status_code for _ in range(6)]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    # the limit holds even with the right password
    assert log_in(client, "editor").status_code == 429


def test_only_admins_read_the_audit_log(client, console_settings):
    log_in(client, "editor")
    assert client.get("/console/audit").status_code == 403
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/issues")})
    log_in(client, "admin")
    page = client.get("/console/audit").get_data(as_text=True)
    assert "editor@example.org" in page and "login" in page
    with db.session_scope(console_settings.db_url) as session:
        actions = [entry.action for entry in session.query(AuditEntry)]
    assert actions.count("login") == 2


def test_open_redirect_after_login_is_refused(client):
    response = client.post("/console/login", data={
        "email": "editor@example.org", "password": PASSWORD, "csrf_token": csrf_token(client),
        "next": "https://evil.example/console",
    })
    assert response.headers["Location"] == "/console/"


def test_language_choice_changes_labels(client):
    log_in(client, "editor")
    client.post("/console/language", data={
        "language": "fr", "csrf_token": csrf_token(client, "/console/issues"),
    })
    assert "Numéros" in client.get("/console/issues").get_data(as_text=True)


def test_staff_add_command_hashes_with_argon2(tmp_path, sqlite_url):
    env = infolettre_env(tmp_path, database_url=sqlite_url, staff_password="a long password")
    run = [sys.executable, "-m", "mailer", "staff", "add", "New@Example.org", "--role", "sender"]
    done = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with db.session_scope(sqlite_url) as session:
        member = session.query(StaffMember).filter_by(email="new@example.org").one()
        assert member.role == "sender" and member.password_hash.startswith("$argon2id$")
    again = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 2
    assert "already has a staff account" in again.stderr and "Traceback" not in again.stderr
