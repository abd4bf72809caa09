"""What a send costs before its first message: the worker never loads the renderer, and
`send` after `validate` neither renders nor imports the issue format (subprocesses, so
that what this test process imported does not count)."""

import subprocess
import sys

from mailer import db
from tests.sending.conftest import EXAMPLE, add_subscribers
from tests.support.webapp import infolettre_env
from workers import campaigns
from workers.models import Delivery, DeliveryState

# What rendering, the web app and the editor import: a worker sends editions rendered
# already, and each of these would weigh in every worker process.
RENDERER = ("premailer", "mjml", "lxml", "cssutils", "cssselect", "jinja2", "flask",
            "werkzeug", "PIL", "mailer.render", "mailer.issue", "mailer.webapp",
            "mailer.console")

WORKER = """
import sys
from mailer import db
from mailer.settings import get_settings
from workers.app import app

app.loader.import_default_modules()  # what Celery's main process imports before the fork
from workers import sending

settings = get_settings()
with db.get_engine(settings.db_url).connect() as conn:
    sent = sending.send_batch(settings, conn, int(sys.argv[1]), 1, 10**9)
loaded = sorted(name for name in sys.modules
                if any(name == root or name.startswith(root + ".") for root in sys.argv[2:]))
print(sent, " ".join(loaded))
"""


def imported(stderr: str) -> set[str]:
    """The modules `python -X importtime` reported."""
    return {line.split("|")[-1].strip() for line in stderr.splitlines()
            if line.startswith("import time:")}


def heavy(modules: set[str]) -> set[str]:
    return {name for name in modules
            if any(name == root or name.startswith(root + ".") for root in RENDERER)}


def test_a_worker_sends_a_campaign_without_the_renderer(tmp_path, example_editions):
    env = infolettre_env(tmp_path)
    url = env["INFOLETTRE_DATABASE_URL"]
    db.upgrade(url)
    add_subscribers(url, 3)
    with db.session_scope(url) as session:
        campaign = campaigns.create(session, example_editions)
        session.commit()
        campaigns.plan(session, campaign, lambda low, high: None)
        campaign_id = campaign.id
    done = subprocess.run([sys.executable, "-c", WORKER, str(campaign_id), *RENDERER],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    sent, _, loaded = done.stdout.strip().partition(" ")
    assert sent == "3"
    assert loaded == ""  # nothing of the renderer, the web app or the issue format
    with db.session_scope(url) as session:
        states = session.scalars(Delivery.__table__.select().with_only_columns(Delivery.state))
        assert set(states) == {DeliveryState.SENT}


def test_send_after_validate_queues_the_kept_editions(tmp_path):
    env = infolettre_env(tmp_path)
    db.upgrade(env["INFOLETTRE_DATABASE_URL"])
    add_subscribers(env["INFOLETTRE_DATABASE_URL"], 1)  # an empty list sends nothing

    def infolettre(*args):
        return subprocess.run([sys.executable, "-X", "importtime", "-m", "mailer", *args],
                              env=env, capture_output=True, text=True, timeout=120,
                              check=False)

    checked = infolettre("validate", str(EXAMPLE))
    assert checked.returncode == 0, checked.stderr
    assert "mailer.render" in imported(checked.stderr)
    sent = infolettre("send", str(EXAMPLE), "--yes")
    assert sent.returncode == 0, sent.stderr
    assert "campaign 1 queued" in sent.stdout
    assert heavy(imported(sent.stderr)) == set()
    assert "alembic" not in imported(sent.stderr)  # the schema is current: nothing to run
    assert "workers.sending" not in imported(sent.stderr)  # the task is queued by its name


def test_the_schema_check_reads_the_newest_migration_as_alembic_does(database_url):
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    config.attributes["url"] = database_url
    assert [db._newest_revision()] == ScriptDirectory.from_config(config).get_heads()
    command.downgrade(config, "-1")  # a database one migration behind is brought up
    db.upgrade(database_url)
    with db.get_engine(database_url).connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == (db._newest_revision(),)
