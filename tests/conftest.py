"""Shared fixtures: real servers (Redis, PostgreSQL, SMTP) and a real Chromium."""

from __future__ import annotations

import pytest

from tests.support.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DovecotServer,
    PostgresServer,
    RedisServer,
    SmtpCatcher,
)


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def imap_server():
    server = DovecotServer()
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer()
    server.start()
    yield server
    server.close()


_db_counter = iter(range(1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, migrated database: once on SQLite, once on a real PostgreSQL."""
    from mailer import db

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(f"test_{next(_db_counter)}")
    db.upgrade(url)
    yield url
    db.get_engine(url).dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    """A fresh, migrated SQLite database, for tests that do not depend on the engine."""
    from mailer import db

    url = f"sqlite:///{tmp_path / 'test.db'}"
    db.upgrade(url)
    return url


@pytest.fixture
def smtp_server():
    server = SmtpCatcher()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
