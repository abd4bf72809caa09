"""Saving through the editor's form gives the file back byte for byte when nothing changed
(comments, key order, quotes, flow mappings with their spaces), and rewrites only the
lines of what did change."""

from pathlib import Path

import pytest

from mailer.console import editor_form, issue_yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted([*ROOT.glob("issues/*.yaml"), ROOT / "tests/data/dots-at-line-starts.yaml",
                   ROOT / "tests/data/long-accented-emoji-subject.yaml"])


def saved_unchanged(text: str) -> str:
    form = list(editor_form.flatten(issue_yaml.read(text)))
    return issue_yaml.written(text, editor_form.unflatten(form))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_an_unchanged_example_saves_to_the_same_bytes(path):
    text = path.read_text(encoding="utf-8")
    assert "{ fr:" in text or path.parent.name == "data"  # the spelling ruamel.yaml would change
    assert saved_unchanged(text) == text


def test_an_edit_rewrites_its_own_lines_only():
    text = (ROOT / "issues" / "091.yaml").read_text(encoding="utf-8")
    data = issue_yaml.read(text)
    entry = data["agenda"][0]["entries"][0]
    entry["title"]["en"] = "Executive Board"
    data["title"]["fr"] += " (revu)"
    out = issue_yaml.written(text, data)
    changed = [(a, b) for a, b in zip(text.splitlines(), out.splitlines(), strict=True) if a != b]
    assert len(changed) == 2
    assert any("Executive Board" in b for _, b in changed)
    assert issue_yaml.read(out) == data
    # The flow mappings around the edited one keep their spaces.
    assert out.count("{ fr:") == text.count("{ fr:") - 1


@pytest.mark.parametrize("text", [
    "# top\ntitle: { fr: Hiver , en: Winter }   # trailing\nnumber: 3\n",
    "title: {fr: a,\n        en: b}\nnumber: 3\n",
    "title:\r\n  fr: a\r\n  en: b\r\n",
    "title: { fr: 'a', en: \"b\" }\nnumber: 3",
])
def test_odd_spellings_save_unchanged_or_edit_safely(text):
    assert issue_yaml.written(text, issue_yaml.read(text)) == text
    data = issue_yaml.read(text)
    data["title"]["en"] = "Spring"
    out = issue_yaml.written(text, data)
    assert issue_yaml.read(out) == data
