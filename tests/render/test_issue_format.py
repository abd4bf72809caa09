"""The issue format: valid files load; every problem names file, line and field."""

import subprocess
import sys

import pytest

from mailer.issue import IssueInvalid, load_issue
from tests.render.conftest import FULL_EXAMPLE, MINIMAL, PROGRAMME_EXAMPLE, ROOT, write_issue


def problems(path) -> list[str]:
    with pytest.raises(IssueInvalid) as caught:
        load_issue(path)
    return [str(problem) for problem in caught.value.problems]


def test_examples_are_valid():
    full = load_issue(FULL_EXAMPLE)
    assert sum(len(section.articles) for section in full.sections) >= 10
    assert {section.kind for section in full.sections} == {"cites", "network", "moves"}
    assert {group.group for group in full.agenda} == {"internal", "other"}
    assert load_issue(PROGRAMME_EXAMPLE).programme.days


def test_missing_translation_names_line_and_field(tmp_path):
    path = write_issue(tmp_path, MINIMAL.replace("          en: A title\n", ""))
    assert problems(path) == [f"{path}:16: sections[0].articles[0].title.en: missing"]


def test_declared_fallback_fills_a_missing_translation(tmp_path):
    text = MINIMAL.replace("          en: A title\n", "") + "fallbacks: {en: fr}\n"
    assert load_issue(write_issue(tmp_path, text)).sections[0].articles[0].title.get("fr")


def test_every_problem_is_reported_at_once(tmp_path):
    text = MINIMAL.replace("number: 83", "number: zero").replace("kind: cites", "kind: sports")
    text = text.replace("contact_email: info@example.org", "contact_email: nobody")
    found = problems(write_issue(tmp_path, text))
    assert found[0].startswith(f"{tmp_path / '083.yaml'}:1: number: ")
    assert any(":14: sections[0].kind: " in line for line in found)
    assert any(":22: contact_email: " in line for line in found)


def test_unknown_field_and_missing_field(tmp_path):
    text = MINIMAL.replace("site_url: https://www.example.org\n", "colour: blue\n")
    found = problems(write_issue(tmp_path, text))
    assert f"{tmp_path / '083.yaml'}:23: colour: unknown field" in found
    assert f"{tmp_path / '083.yaml'}:1: site_url: missing" in found


def test_raw_html_is_not_a_field_problem_but_stays_text(tmp_path):
    issue = load_issue(write_issue(tmp_path, MINIMAL.replace("A text.", "<b>bold</b>")))
    assert issue.sections[0].articles[0].body.get("en") == "<b>bold</b>"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"number: 83\ntitle: [unclosed\n", ":2: [ opens a list that is not closed with ]"),
        (MINIMAL.replace("Bonjour", "Bonjour \xe0").encode("latin-1"), ":8: not UTF-8"),
        (b"- just\n- a list\n", ":1: an issue file must be a YAML mapping"),
    ],
)
def test_cli_reports_broken_files_without_traceback(tmp_path, content, expected):
    path = tmp_path / "broken.yaml"
    path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-m", "mailer", "validate", str(path)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}{expected}")
    assert "Traceback" not in result.stderr


def test_cli_missing_file_and_valid_file(tmp_path):
    missing = str(tmp_path / "nope.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "mailer", "validate", missing, str(FULL_EXAMPLE)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert result.returncode == 1
    assert result.stderr == f"{tmp_path / 'nope.yaml'}: no such file\n"
    assert result.stdout == f"{FULL_EXAMPLE}: valid\n"


def test_a_language_code_nobody_knows_is_a_problem(tmp_path):
    # Any language Babel knows has labels (its own, or the fallback language's); a typo not.
    path = write_issue(tmp_path, MINIMAL + "languages: [fr, xx]\nfallbacks: {xx: fr}\n")
    assert problems(path) == [
        f"{path}:24: languages: 'xx' is not a language code (ISO 639-1, e.g. 'de')"
    ]


def test_an_issue_number_out_of_reason_is_refused(tmp_path):
    path = write_issue(tmp_path, MINIMAL.replace("number: 83", "number: 99999999999999999999999"))
    found = problems(path)
    assert len(found) == 1 and found[0].startswith(f"{path}:1: number: ") and "99" in found[0]


def test_a_refused_language_code_adds_no_missing_translation(tmp_path):
    """Only the code is told: the translation checks do not go on with it (they told a
    "missing" per text, spelled with the refused code, e.g. a line break)."""
    path = write_issue(tmp_path, MINIMAL + 'languages: [fr, "en\\n"]\n')
    assert problems(path) == [
        f"{path}:24: languages: 'en\\n' is not a language code (ISO 639-1, e.g. 'de')"
    ]


def test_a_third_language_needs_only_its_catalogue(tmp_path, monkeypatch):
    from mailer import labels
    from mailer.render import render_file

    catalogue = (labels.LABELS_DIR / "en.yaml").read_text(encoding="utf-8")
    (tmp_path / "labels").mkdir()
    for code in ("fr", "en"):
        (tmp_path / "labels" / f"{code}.yaml").write_text(
            (labels.LABELS_DIR / f"{code}.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    german = catalogue.replace("locale: en_GB", "locale: de_DE").replace("Unsubscribe", "Abmelden")
    (tmp_path / "labels" / "de.yaml").write_text(german, encoding="utf-8")
    monkeypatch.setattr(labels, "LABELS_DIR", tmp_path / "labels")
    text = MINIMAL + "languages: [fr, en, de]\n"
    path = write_issue(tmp_path, text)
    assert problems(path)[0] == f"{path}:3: title.de: missing"
    editions = render_file(write_issue(tmp_path, text + "fallbacks: {de: en}\n"))
    assert set(editions) == {"fr", "en", "de"}
    assert 'lang="de"' in editions["de"].html and "Abmelden" in editions["de"].html
    assert "Juni 2020" in editions["de"].html
