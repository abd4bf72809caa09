from pathlib import Path

import pytest

from mailer import db
from mailer.db import utcnow
from mailer.render import render_file
from mailer.settings import get_settings
from subscribers.models import Status, Subscriber
from tests.support.webapp import infolettre_env

EXAMPLE = Path(__file__).resolve().parents[2] / "issues" / "091.yaml"


@pytest.fixture(scope="session")
def example_editions():
    return render_file(EXAMPLE)


_databases = iter(range(1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def send_env(request, monkeypatch, tmp_path, smtp_server):
    """In-process settings: a fresh database (SQLite, then a real PostgreSQL), the SMTP
    catcher as relay."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'send.db'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database(
            f"send_{next(_databases)}")
    monkeypatch.setenv("INFOLETTRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INFOLETTRE_DATABASE_URL", url)
    monkeypatch.setenv("INFOLETTRE_SMTP_URL", smtp_server.url)
    monkeypatch.setenv("INFOLETTRE_SECRET_KEY", "sending-tests-secret")
    get_settings.cache_clear()
    db.upgrade(url)
    yield url
    get_settings.cache_clear()
    db.get_engine(url).dispose()


def add_subscribers(url: str, count: int, start: int = 0) -> list[str]:
    emails = []
    with db.session_scope(url) as session:
        for number in range(start, start + count):
            email = f"reader{number:05d}@example.org"
            session.add(Subscriber(email=email, language="fr" if number % 3 else "en",
                                   name=f"Lecteur {number}", status=Status.SUBSCRIBED,
                                   confirmed_at=utcnow()))
            emails.append(email)
    return emails


def worker_env(request, tmp_path, redis_server, smtp_server, **settings: str):
    """The environment of real worker processes (Redis broker, the SMTP catcher as relay)
    on a fresh database: SQLite, or a real PostgreSQL when `request.param` says so.
    Returns (env, database url), the schema in place."""
    home = tmp_path / "home"
    home.mkdir()
    if request.param == "postgresql":
        settings["database_url"] = request.getfixturevalue("postgres_server").create_database(
            f"workers_{next(_databases)}")
    env = infolettre_env(home, broker_url=redis_server.url, smtp_url=smtp_server.url,
                         **settings)
    url = env["INFOLETTRE_DATABASE_URL"]
    db.upgrade(url)
    return env, url
