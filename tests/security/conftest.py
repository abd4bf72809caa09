"""The web app in this process, on a fresh database, with a team: one test per attack of
issue 12 uses it through Flask's test client (real HTTP semantics, cookies, CSRF)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mailer import db
from mailer.console import access
from mailer.console.models import Role
from mailer.settings import get_settings
from tests.bounces.test_webhooks import server, sns_signer  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


@pytest.fixture
def site(monkeypatch, tmp_path, sqlite_url):
    """A function making the app on `url` (SQLite unless given), with settings overridden."""

    def make(url: str = sqlite_url, **settings):
        issues = tmp_path / "issues"
        if not issues.exists():
            shutil.copytree(ROOT / "issues", issues)
        values = {"home": str(tmp_path / "home"), "database_url": url,
                  "secret_key": "security-tests", "rate_limits": "false",
                  "issues_dir": str(issues), **settings}
        for key, value in values.items():
            monkeypatch.setenv(f"INFOLETTRE_{key.upper()}", value)
        get_settings.cache_clear()
        with db.session_scope(url) as session:
            for email, role in (("admin@example.org", Role.ADMIN),
                                ("editor@example.org", Role.EDITOR)):
                if access.find_staff(session, email) is None:
                    access.add_staff(session, email, PASSWORD, role, "en")
        from mailer.webapp import create_app

        return create_app()

    yield make
    get_settings.cache_clear()


def csrf_token(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def sign_in(client, email: str, next_path: str | None = None, password: str = PASSWORD):
    """POST the login form as a browser does; the answer (a redirect when it worked)."""
    token = csrf_token(client, "/console/login")
    query = {"next": next_path} if next_path is not None else {}
    return client.post("/console/login", query_string=query,
                       data={"email": email, "password": password, "csrf_token": token})
