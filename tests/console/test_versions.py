"""Issue versions: kept on each save, compared word by word, and the translations left
behind by a change in the other language."""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from mailer.console import issue_yaml, versions
from mailer.db import Base, import_models

FIRST = "# a comment\ntitle: {fr: Hiver, en: Winter}\nsections:\n  - body: {fr: Un, en: One}\n"


@pytest.fixture
def session():
    import_models()
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def test_each_save_is_kept_compared_and_a_translation_left_behind_is_named(session):
    second = FIRST.replace("Un,", "Un et deux,")
    versions.record(session, "093.yaml", FIRST, second, "a@example.org")
    third = second.replace("Hiver", "Hiver doux").replace("Winter", "Mild winter")
    versions.record(session, "093.yaml", second, third, "b@example.org")
    session.flush()
    rows = versions.listed(session, "093.yaml")
    assert [r.staff_email for r in rows] == ["b@example.org", "a@example.org", versions.BEFORE]
    diff = versions.compare(session, "093.yaml", rows[2].id, rows[1].id)
    assert ("del", "Un,") in [(op, text.strip()) for op, text in diff]
    assert ("ins", "Un et deux,") in [(op, text.strip()) for op, text in diff]
    assert versions.compare(session, "other.yaml", rows[2].id, rows[1].id) is None
    stale = versions.stale(session, "093.yaml")
    assert set(stale) == {"sections.0.body"}  # the title changed in both languages
    assert stale["sections.0.body"]["en"][0] == "fr"


def test_a_save_keeps_comments_and_order_and_writes_times_and_paragraphs_safely():
    data = issue_yaml.read(FIRST)
    data["sections"][0]["body"]["fr"] = "Premier.\n\nSecond."
    data["sections"][0]["time"] = "09:30"
    text = issue_yaml.written(FIRST, data)
    assert text.startswith("# a comment\ntitle:")
    assert '"09:30"' in text and "fr: |" in text
    assert issue_yaml.read(text)["sections"][0]["body"]["fr"] == "Premier.\n\nSecond."
