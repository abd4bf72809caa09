"""Editions kept by content (mailer.rendered): found again only for the same file, settings
and templates; anything else, or a damaged file, is rendered again."""

import pytest

from mailer import rendered
from mailer.issue import IssueInvalid
from mailer.settings import get_settings
from tests.render.conftest import MINIMAL, write_issue


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("INFOLETTRE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


def test_the_editions_rendered_once_are_found_again_as_they_were(tmp_path, home):
    path = write_issue(tmp_path, MINIMAL)
    assert rendered.kept(path) is None
    editions = rendered.editions_of(path)
    assert list((home / "editions").glob("*.json"))
    assert rendered.kept(path) == editions
    assert rendered.editions_of(path) == editions


def test_another_content_or_setting_is_rendered_again(tmp_path, home, monkeypatch):
    path = write_issue(tmp_path, MINIMAL)
    before = rendered.editions_of(path)
    path.write_text(MINIMAL.replace("Infolettre de juin", "Infolettre de juillet"), "utf-8")
    assert rendered.kept(path) is None
    after = rendered.editions_of(path)
    assert "juillet" in after["fr"].subject and after != before
    # The links in the email are the web app's: another base URL is another edition.
    monkeypatch.setenv("INFOLETTRE_BASE_URL", "https://lettre.example.org")
    get_settings.cache_clear()
    assert rendered.kept(path) is None
    # The same name in another folder with the same content is the same issue.
    (tmp_path / "elsewhere").mkdir()
    copy = write_issue(tmp_path / "elsewhere", path.read_text("utf-8"))
    rendered.editions_of(path)
    assert rendered.kept(copy) == rendered.kept(path)


def test_a_damaged_or_unwritable_store_only_costs_a_render(tmp_path, home):
    path = write_issue(tmp_path, MINIMAL)
    editions = rendered.editions_of(path)
    for kept in (home / "editions").glob("*.json"):
        kept.write_text('[{"language": "fr"', "utf-8")  # cut short: a full disk, a crash
    assert rendered.kept(path) is None
    assert rendered.editions_of(path) == editions
    for kept in (home / "editions").iterdir():
        kept.unlink()
    (home / "editions").rmdir()
    (home / "editions").write_text("")  # a file where the folder should be: cannot write
    other = write_issue(tmp_path, MINIMAL.replace("juin", "mai"), "084.yaml")
    assert rendered.editions_of(other)["fr"].slug == "084"
    assert rendered.kept(other) is None


def test_an_invalid_file_is_never_kept(tmp_path, home):
    path = write_issue(tmp_path, MINIMAL.replace("date: 2020-06-15", "date: 15/06/2020"))
    with pytest.raises(IssueInvalid):
        rendered.editions_of(path)
    assert not (home / "editions").exists() or not list((home / "editions").iterdir())
    assert rendered.kept(tmp_path / "missing.yaml") is None
