"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and step down again: a model changed without its migration fails here, not in production."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from mailer import db

BEFORE_NUMBERS = "c4f1a8e2d905"  # the revision before campaigns recorded their issue number


@pytest.fixture(scope="module")
def example_editions_text():
    """The text parts of issue 91 (091.yaml) in French and English, as a campaign stores them."""
    from mailer.render import render_file
    from tests.sending.conftest import EXAMPLE

    editions = render_file(EXAMPLE)
    return [editions["fr"].text, editions["en"].text]


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


def test_campaigns_get_their_issue_number_back(database_url, example_editions_text):
    """The campaigns sent before numbers were recorded: the number their editions' masthead
    shows, else a file name that is the number; none when neither says it (matched by file
    name then); of two live campaigns of one number, the later keeps none."""
    import sqlalchemy as sa

    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    config.attributes["url"] = database_url
    command.downgrade(config, BEFORE_NUMBERS)
    engine = db.get_engine(database_url)
    rows = [  # id, slug, state, test, text parts
        (1, "091", "done", False, example_editions_text),
        (2, "091-final", "done", False, example_editions_text),
        (3, "spring", "done", False, ["no masthead here"]),
        (4, "092", "cancelled", False, []),
        (5, "autumn", "sending", False, example_editions_text),
        (6, "autumn-final", "sending", False, example_editions_text),
        (7, "disagree", "done", False, ["Infolettre n°\xa091 · 20 novembre 2026",
                                         "Newsletter no. 90 · 20 November 2026"]),
        (8, "100000", "done", False, []),
    ]
    with engine.begin() as conn:
        for campaign_id, slug, state, test, texts in rows:
            conn.execute(sa.text(
                "INSERT INTO campaign (id, slug, state, test, created_at, planned_upto, planned,"
                " relay_failures) VALUES (:id, :slug, :state, :test, CURRENT_TIMESTAMP, 0,"
                " :test, 0)"), {"id": campaign_id, "slug": slug, "state": state, "test": test})
            for language, text in zip(("fr", "en"), texts, strict=False):
                conn.execute(sa.text(
                    "INSERT INTO campaign_edition (campaign_id, language, subject, html, text,"
                    " web_html) VALUES (:id, :language, 's', '', :text, '')"),
                    {"id": campaign_id, "language": language, "text": text})
    command.upgrade(config, "head")
    with engine.connect() as conn:
        numbers = dict(conn.execute(sa.text("SELECT id, number FROM campaign")).all())
    assert numbers == {1: 91, 2: 91, 3: None, 4: 92, 5: 91, 6: None, 7: None, 8: None}
