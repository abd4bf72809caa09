"""A console app on a fresh migrated database, with staff of each role and the example issues."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mailer import db
from mailer.console.staff import add_staff
from mailer.settings import Settings

ISSUES = Path(__file__).resolve().parents[2] / "issues"
PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def console_settings(tmp_path, sqlite_url):
    issues = tmp_path / "issues"
    shutil.copytree(ISSUES, issues)
    with db.session_scope(sqlite_url) as session:
        for role in ("editor", "sender", "admin"):
            add_staff(session, f"{role}@example.org", PASSWORD, role, "en")
    return Settings(
        home=tmp_path, database_url=sqlite_url, secret_key="console-test-secret",
        issues_dir=issues, login_limit="5/minute",
        broker_url=f"sqla+sqlite:///{tmp_path / 'broker.db'}",
    )


@pytest.fixture
def client(console_settings):
    from mailer.webapp import create_app

    app = create_app(console_settings)
    return app.test_client()


def csrf_token(client, path: str = "/console/login") -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def log_in(client, role: str, password: str = PASSWORD):
    return client.post("/console/login", data={
        "email": f"{role}@example.org", "password": password, "csrf_token": csrf_token(client),
    })
