"""The database: one declarative base, one engine per URL, schema managed by Alembic."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from mailer.settings import get_settings

# Named constraints so that Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS = Path(__file__).with_name("migrations")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Now, in UTC, with its zone: the moment every timestamp column stores."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A moment in UTC, stored and read back with its zone on SQLite as on PostgreSQL
    (SQLite keeps no zone: without this its values come back naive, and comparing them
    with `utcnow()` fails)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and not value.tzinfo else value


def import_models() -> None:
    """Import every module that declares tables, so that Base.metadata is complete."""
    import mailer.bounces.models  # noqa: F401
    import mailer.console.models  # noqa: F401
    import subscribers.models  # noqa: F401
    import workers.models  # noqa: F401


def get_engine(url: str | None = None) -> Engine:
    """The engine (and its pool of connections) of `url`, by default the settings' own: one
    per URL and process, whether the URL is given or not."""
    return _engine(url or get_settings().db_url)


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as error:  # mysql:// and the like: no driver, and none we run on
        raise ArgumentError(f"no driver for this database URL ({error.name})") from error


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web app, the workers and the CLI use one file at the same time.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@lru_cache(maxsize=8)
def _sessionmaker(url: str) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = _sessionmaker(url or get_settings().db_url)()
    try:
        yield session
        session.commit()
    except BaseException:
        # A Ctrl-C inside commit() leaves the session halfway ("committed state", "this
        # transaction is closed"): its rollback's error must not hide the interrupt.
        with suppress(Exception):
            session.rollback()
        raise
    finally:
        session.close()


_REVISION = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.*)$", re.MULTILINE)


def _newest_revision() -> str | None:
    """The newest migration, read from the text of the files without importing Alembic or
    them (a sixth of what `infolettre send` took); None, so that Alembic decides, unless
    every file names its revision and a single parent and they form one head."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(match.groups() for match in _REVISION.finditer(path.read_text("utf-8")))
        try:
            revision, parent = (ast.literal_eval(found[name].strip())
                                for name in ("revision", "down_revision"))
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str) or not isinstance(parent, str | None):
            return None  # a merge (a tuple of parents): Alembic's own reading
        revisions.add(revision)
        parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _current(url: str) -> set[str]:
    """The revisions the database is at; empty for a new database."""
    with get_engine(url).connect() as connection:
        try:
            return set(connection.execute(text("SELECT version_num FROM alembic_version"))
                       .scalars())
        except DBAPIError:  # no such table yet
            return set()


def upgrade(url: str | None = None) -> None:
    """Bring the schema to the newest migration (creates the database if needed)."""
    url = url or get_settings().db_url
    newest = _newest_revision()
    if newest is not None and _current(url) == {newest}:
        return
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    with _migrating(url):
        # Already at the newest: return without running the migration environment (it
        # imports every model), a good part of what `infolettre send` takes before the first
        # message. Read again under the lock: another process may have just migrated.
        with get_engine(url).connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        if current and current == set(ScriptDirectory.from_config(config).get_heads()):
            return
        command.upgrade(config, "head")


@contextmanager
def _migrating(url: str) -> Iterator[None]:
    """One migration at a time on a SQLite file: commands started together on a new
    database (a send, a worker, the console) each ran the migrations, and one met the
    other's half-made tables ("table _alembic_tmp_subscriber already exists"). A lock file
    beside the database; PostgreSQL's migrations are one step of a deployment."""
    import fcntl

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        yield
        return
    lock = Path(f"{parsed.database}.migrating")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        yield
