"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and step down again: a model changed without its migration fails here, not in production."""

import subprocess
import sys

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from mailer import db

BEFORE_NUMBERS = "c4f1a8e2d905"  # the revision before campaigns recorded their issue number


def alembic_config(database_url: str) -> Config:
    """Alembic's configuration for the project's migrations on `database_url`."""
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    config.attributes["url"] = database_url
    return config


def sent_to_subscriber_1(conn, email: str) -> None:
    """Campaign 1 (issue 091, done) and its delivery to subscriber 1 at `email`, sent: rows
    written in SQL, as an older schema holds them."""
    import sqlalchemy as sa

    conn.execute(sa.text(
        "INSERT INTO campaign (id, slug, state, test, created_at, planned_upto, planned, "
        "relay_failures) VALUES (1, '091', 'done', false, CURRENT_TIMESTAMP, 0, true, 0)"))
    conn.execute(sa.text(
        "INSERT INTO delivery (campaign_id, subscriber_id, email, language, state, "
        "attempts, updated_at) VALUES (1, 1, :email, 'fr', 'sent', 1, CURRENT_TIMESTAMP)"),
        {"email": email})


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
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")


def test_campaigns_get_their_issue_number_back(database_url, example_editions_text):
    """The campaigns sent before numbers were recorded: the number their editions' masthead
    shows, else a file name that is the number; none when neither says it (matched by file
    name then); of two live campaigns of one number, the later keeps none."""
    import sqlalchemy as sa

    config = alembic_config(database_url)
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


BEFORE_NFC = "a91e5c37b2d4"  # the revision before stored addresses were rewritten in NFC


def test_decomposed_addresses_are_rewritten_and_duplicates_merged(database_url):
    """Addresses stored decomposed (NFD, as macOS types them) before normalise_email
    composed them: rewritten in NFC; of two rows that become one address, the one the list
    must keep is kept (a suppressed one is never revived, a good subscriber never lost)."""
    import hashlib
    import unicodedata

    import sqlalchemy as sa

    def nfd(email: str) -> str:
        return unicodedata.normalize("NFD", email)

    config = alembic_config(database_url)
    command.downgrade(config, BEFORE_NFC)
    engine = db.get_engine(database_url)
    rows = [  # id, email, status, confirmed, unsubscribed, name
        (1, nfd("léa@example.org"), "subscribed", "2025-01-01", None, "Léa"),  # alone
        (2, nfd("zoé@example.org"), "subscribed", "2025-01-01", None, None),  # subscribed
        (3, "zoé@example.org", "pending", None, None, "Zoé"),  # beats pending
        (4, nfd("rené@example.org"), "complained", "2025-01-01", None, None),  # suppressed
        (5, "rené@example.org", "subscribed", "2025-06-01", None, None),  # never revived
        (6, nfd("chloé@example.org"), "unsubscribed", "2025-01-01", "2025-09-01", None),
        (7, "chloé@example.org", "subscribed", "2025-03-01", None, None),  # unsubscribed since
        (8, "noël@example.org", "subscribed", "2025-01-01", None, None),
        (9, nfd("noël@example.org"), "pending", None, None, None),
    ]
    with engine.begin() as conn:
        for sid, email, status, confirmed, unsubscribed, name in rows:
            conn.execute(sa.text(
                "INSERT INTO subscriber (id, email, language, name, status, created_at, "
                "updated_at, confirmed_at, unsubscribed_at, bounce_score, link_key, "
                "legacy_links) VALUES (:id, :email, 'fr', :name, :status, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP, :confirmed, :unsubscribed, 0, :key, false)"),
                {"id": sid, "email": email, "name": name, "status": status, "key": f"k{sid}",
                 "confirmed": confirmed and f"{confirmed} 00:00:00",
                 "unsubscribed": unsubscribed and f"{unsubscribed} 00:00:00"})
        conn.execute(sa.text("INSERT INTO subscriber_event (subscriber_id, kind, at) VALUES "
                             "(3, 'subscribed', CURRENT_TIMESTAMP)"))
        conn.execute(sa.text("INSERT INTO suppression (email_hash, reason, at) VALUES "
                             "(:hash, 'complaint', CURRENT_TIMESTAMP)"),
                     {"hash": hashlib.sha256(nfd("rené@example.org").encode()).hexdigest()})
        sent_to_subscriber_1(conn, nfd("léa@example.org"))
    command.upgrade(config, "head")
    with engine.connect() as conn:
        kept = {row.email: (row.id, row.status, row.name) for row in conn.execute(
            sa.text("SELECT id, email, status, name FROM subscriber"))}
        events = conn.execute(sa.text("SELECT subscriber_id FROM subscriber_event")).scalars()
        hashes = set(conn.execute(sa.text("SELECT email_hash FROM suppression")).scalars())
        sent_to = conn.execute(sa.text("SELECT email FROM delivery")).scalars().all()
    assert kept == {
        "léa@example.org": (1, "subscribed", "Léa"),
        "zoé@example.org": (2, "subscribed", "Zoé"),  # the pending row's name taken
        "rené@example.org": (4, "complained", None),
        "chloé@example.org": (6, "unsubscribed", None),
        "noël@example.org": (8, "subscribed", None),
    }
    assert all(unicodedata.is_normalized("NFC", email) for email in kept)
    assert list(events) == [2]  # the merged row's log follows the person
    assert hashlib.sha256("rené@example.org".encode()).hexdigest() in hashes
    assert sent_to == ["léa@example.org"]  # issue 91 is not sent to her again
    command.downgrade(config, BEFORE_NFC)  # nothing to undo, and no failure
    command.upgrade(config, "head")


def test_commands_started_together_on_a_new_database_migrate_it_once(tmp_path):
    # A send, a worker and the console started at once on a new SQLite file each ran the
    # migrations: three in four failed on the others' half-made tables.
    url = f"sqlite:///{tmp_path / 'new.db'}"
    code = "import sys; from mailer import db; db.upgrade(sys.argv[1])"
    started = [subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE,
                                text=True) for _ in range(4)]
    assert [(process.wait(timeout=120), process.stderr.read()) for process in started] == [
        (0, "")] * 4
    assert db._current(url) == {db._newest_revision()}
