"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and step down again: a model changed without its migration fails here, not in production."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from mailer import db


def test_migrations_match_the_models(database_url):
    db.import_models()
    with db.get_engine(database_url).connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.Base.metadata)
    assert differences == []


def test_migrations_downgrade_to_nothing_and_up_again(database_url):
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    config.attributes["url"] = database_url
    command.downgrade(config, "base")
    command.upgrade(config, "head")
