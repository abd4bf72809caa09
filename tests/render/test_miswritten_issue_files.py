"""Issue files written almost right, as a newcomer found them: saved as UTF-16, a field
name with a letter of another script, a language key in capitals, a languages list empty or
with a language twice. Each is told at its line with the fix, in English on the command
line and in French on the console."""

import html
import subprocess
import sys

import pytest

from mailer.console.issue_problems import what
from mailer.issue import IssueInvalid, load_issue
from tests.render.conftest import MINIMAL


def _problems(tmp_path, text: str | bytes):
    path = tmp_path / "083.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(IssueInvalid) as caught:
        load_issue(path)
    return caught.value.problems


def _fr(problem) -> str:
    """The console's French words for `problem`, as the page shows them."""
    return html.unescape(str(what(problem, "fr")))


def _said(problems) -> list[str]:
    return [str(p).split("083.yaml", 1)[1] for p in problems]


UTF16 = ':1: saved as UTF-16 ("Unicode" in Notepad or Word), not UTF-8; save the file as ' \
        'UTF-8 (in the editor: Save as, Encoding: UTF-8)'


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_named_utf16(tmp_path, codec):
    # It was "not UTF-8: byte 0xff ('ÿ' in Windows-1252 or Latin-1…)", or byte 0xb0 far on.
    problems = _problems(tmp_path, MINIMAL.encode(codec))
    assert _said(problems) == [UTF16]
    assert _fr(problems[0]) == (
        "enregistré en UTF-16 (« Unicode » dans le Bloc-notes ou Word), pas en UTF-8 ; "
        "enregistrez le fichier en UTF-8 (dans l'éditeur : Enregistrer sous, Encodage : "
        "UTF-8)")


def test_validate_says_it_too(tmp_path):
    path = tmp_path / "083.yaml"
    path.write_bytes(MINIMAL.encode("utf-16"))
    done = subprocess.run([sys.executable, "-m", "mailer", "validate", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and done.stderr == f"{path}{UTF16}\n"


LINE = MINIMAL.splitlines().index("contact_email: info@example.org") + 1


@pytest.mark.parametrize(("key", "said", "french"), [
    ("contact_emaіl", "U+0456 (cyrillic small letter byelorussian-ukrainian i) at character "
     "12, which looks like 'i'", "qui ressemble à « i »"),
    ("cοntact_email", "U+03BF (greek small letter omicron) at character 2, which looks like "
     "'o'", "qui ressemble à « o »"),
    ("contact_ｅmail", "U+FF45 (fullwidth latin small letter e) at character 9, which looks "
     "like 'e'", "qui ressemble à « e »"),
])
def test_a_field_name_with_a_lookalike_letter_says_which(tmp_path, key, said, french):
    # It was "unknown field" alone, where a zero-width space said which character it was.
    problems = _problems(tmp_path, MINIMAL.replace("contact_email", key))
    unknown = next(p for p in problems if p.field == key)
    assert str(unknown).split("083.yaml", 1)[1] == (
        f":{LINE}: {key}: unknown field: its name holds {said} but is another letter; "
        "type the name again: 'contact_email'?")
    assert french in _fr(unknown) and "retapez le nom : « contact_email » ?" in \
        _fr(unknown)


def test_a_zero_width_space_is_said_in_french_too(tmp_path):
    problems = _problems(tmp_path, MINIMAL.replace("contact_email", "contact\u200b_email"))
    unknown = next(p for p in problems if p.code == "field_unseen")
    assert _fr(unknown) == (
        "champ inconnu : son nom contient U+200B (zero width space) au caractère 8 ; "
        "retapez le nom : « contact_email » ?")


@pytest.mark.parametrize("title", ["title:\n  FR: Infolettre de juin\n  en: June newsletter",
                                   "title: {FR: Infolettre de juin, en: June newsletter}"])
def test_a_language_key_in_capitals_is_named(tmp_path, title):
    # It was "title.fr: missing", of a file whose title has FR.
    text = MINIMAL.replace("title:\n  fr: Infolettre de juin\n  en: June newsletter", title, 1)
    problems = _problems(tmp_path, text)
    line = 4 if "{" not in title else 3
    assert _said(problems) == [f":{line}: title.FR: the key 'FR' should be 'fr': language "
                               "codes are written in small letters"]
    assert _fr(problems[0]) == ("la clé « FR » doit s'écrire « fr » : les codes de "
                                       "langue s'écrivent en minuscules")


def test_an_empty_languages_list_is_refused_at_its_line(tmp_path):
    problems = _problems(tmp_path, MINIMAL.replace("date: 2020-06-15\n",
                                                   "date: 2020-06-15\nlanguages: []\n"))
    assert _said(problems) == [
        ":3: languages: an empty list: write the issue's languages, e.g. [fr, en], or remove "
        "the line to take the configured ones"]
    assert _fr(problems[0]).startswith("une liste vide : écrivez les langues")


def test_a_language_listed_twice_is_refused_at_its_line(tmp_path):
    problems = _problems(tmp_path, MINIMAL.replace(
        "date: 2020-06-15\n", "date: 2020-06-15\nlanguages:\n  - fr\n  - en\n  - fr\n"))
    assert _said(problems) == [":6: languages[2]: 'fr' is listed twice: list each language once"]
    assert _fr(problems[0]) == "« fr » figure deux fois : citez chaque langue une " \
        "seule fois"
    inline = _problems(tmp_path, MINIMAL.replace("date: 2020-06-15\n",
                                                 "date: 2020-06-15\nlanguages: [fr, fr]\n"))
    assert _said(inline) == [":3: languages[1]: 'fr' is listed twice: list each language once"]
