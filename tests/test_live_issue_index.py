"""The one-live-campaign-per-issue index is partial wherever the schema comes from: the
migrations, or the models' own CREATE (tests, tools) on SQLite and PostgreSQL; and
declaring it does not load PostgreSQL's dialect in a process that runs on SQLite."""

import itertools
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, insert
from sqlalchemy.exc import IntegrityError

from mailer import db
from workers.models import Campaign, CampaignState

_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """A database with no tables at all."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("postgres_server").create_database(
        f"created_{next(_names)}")


def test_the_models_own_create_makes_the_index_partial(empty_url):
    db.import_models()
    engine = create_engine(empty_url)
    db.Base.metadata.create_all(engine)
    row = {"slug": "091", "number": 91, "test": False}
    with engine.begin() as conn:  # done campaigns of one issue: as many as it takes
        conn.execute(insert(Campaign), [{**row, "state": CampaignState.DONE}] * 2)
        conn.execute(insert(Campaign), {**row, "state": CampaignState.SENDING})
    with pytest.raises(IntegrityError), engine.begin() as conn:  # a second live one: never
        conn.execute(insert(Campaign), {**row, "state": CampaignState.PAUSED})
    engine.dispose()


def test_the_models_load_no_postgresql_dialect():
    code = ("import sys, mailer.db, workers.models, subscribers.models; "
            "print(any(name.startswith('sqlalchemy.dialects.postgresql') for name in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
