"""The servers a benchmark of the web app starts beside it, torn down after: Redis (Celery's
broker and the rate limits' storage) and, on request, a throwaway PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mailer import db
from tests.support.servers import PostgresServer, RedisServer

SITE = "https://www.reseaucitesdesmetiers.example"


@contextmanager
def web_settings(postgres: bool, database_url: str | None = None) -> Iterator[tuple]:
    """(broker, settings for WebProcess): rate limits off, the website's origin allowed, the
    database a throwaway PostgreSQL if `postgres`, else `database_url` if given, else the
    web process's own SQLite file."""
    broker = RedisServer()
    broker.start()
    settings = {"broker_url": broker.url, "redis_url": broker.url, "rate_limits": "false",
                "site_origin": SITE}
    server = PostgresServer() if postgres else None
    try:
        if server is not None:
            server.start()
            settings["database_url"] = server.create_database("bench")
        elif database_url:
            settings["database_url"] = database_url
        yield broker, settings
    finally:
        broker.close()
        if server is not None:
            db.get_engine(settings["database_url"]).dispose()
            server.close()
