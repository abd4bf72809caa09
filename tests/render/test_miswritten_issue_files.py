"""Issue files written almost right, as a newcomer found them: saved as UTF-16, a field
name with a letter of another script, a language key in capitals, a languages list empty or
with a language twice. Each is told at its line with the fix, in English on the command
line and in French on the console."""

import html
import re
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


def _with_fallbacks(line: str) -> str:
    return MINIMAL.replace("date: 2020-06-15\n", f"date: 2020-06-15\n{line}\n")


def test_a_fallback_to_no_language_is_said_at_fallbacks(tmp_path):
    # It was "title.de: missing", once per text, and nothing about `xx`.
    problems = _problems(tmp_path, _with_fallbacks("languages: [fr, en, de]\n"
                                                   "fallbacks: {de: xx}"))
    assert _said(problems) == [
        ":4: fallbacks.de: 'xx' is not one of the languages: write one of fr, en"]
    assert _fr(problems[0]) == ("« xx » n'est pas l'une des langues : écrivez l'une de "
                                "celles-ci : fr, en")


def test_a_language_falling_back_to_itself_or_to_none_of_the_issue_is_refused(tmp_path):
    # Both were accepted: a fallback that never fills in a text.
    problems = _problems(tmp_path, _with_fallbacks("fallbacks:\n  fr: fr\n  en: de"))
    assert _said(problems) == [
        ":4: fallbacks.fr: 'fr' falls back to itself: write another language (en), or remove "
        "the line",
        ":5: fallbacks.en: 'de' is not one of the languages: write one of fr"]
    assert _fr(problems[0]).startswith("la langue « fr » se replie sur elle-même")
    other = _said(_problems(tmp_path, _with_fallbacks("fallbacks: {de: en}")))
    assert other == [":3: fallbacks.de: 'de' is not one of the languages (fr, en): write one "
                     "of them, or add 'de' to languages"]


def test_a_chain_or_a_loop_of_fallbacks_is_said_once_at_fallbacks(tmp_path):
    # Both were "title.de: missing", once per text, without naming the chain or the loop.
    chain = _problems(tmp_path, _with_fallbacks("languages: [fr, en, de, it]\n"
                                                "fallbacks: {de: it, it: en}"))
    assert _said(chain) == [
        ":4: fallbacks.de: 'de' falls back to 'it', which falls back in turn (de → it → en): "
        "a fallback is one step; write de: en"]
    assert _fr(chain[0]) == ("« de » se replie sur « it », qui se replie à son tour "
                             "(de → it → en) : un repli ne fait qu'un pas ; écrivez de: en")
    loop = _problems(tmp_path, _with_fallbacks("languages: [fr, en, de, it]\n"
                                               "fallbacks:\n  de: it\n  it: de"))
    assert _said(loop) == [
        ":5: fallbacks.de: 'de' falls back in a loop (de → it → de): a text missing in one "
        "of them is missing in all; remove one of these lines"]
    assert _fr(loop[0]).startswith("« de » se replie en boucle (de → it → de)")


def test_a_chain_whose_middle_language_has_every_text_is_read(tmp_path):
    # {de: it, it: en}: a German text missing is the Italian one, and Italian lacks none.
    every = re.sub(r"(?m)^(\s+)en: (.*)$", r"\1en: \2\n\1it: \2", MINIMAL).replace(
        "en: President}", "en: President, it: Presidente}")
    path = tmp_path / "083.yaml"
    path.write_text(every.replace("date: 2020-06-15\n", (
        "date: 2020-06-15\nlanguages: [fr, en, de, it]\nfallbacks: {de: it, it: en}\n")))
    assert load_issue(path).fallbacks == {"de": "it", "it": "en"}  # no IssueInvalid


def test_a_fallback_between_languages_of_the_issue_is_read(tmp_path):
    path = tmp_path / "083.yaml"
    path.write_text(_with_fallbacks("languages: [fr, en, de]\nfallbacks: {de: en, fr: en}"),
                    encoding="utf-8")
    assert load_issue(path).fallbacks == {"de": "en", "fr": "en"}


TITLE = "title:\n  fr: Infolettre de juin\n  en: June newsletter"
IN_TEXT = ("the keys of a text are its languages (fr, en): write the language before the "
           "colon")


@pytest.mark.parametrize(("title", "line", "kind"), [
    ("title: { ~: x }", 3, "empty (~ or null)"),
    ("title:\n  ? ~\n  : x", 4, "empty (~ or null)"),
    (TITLE + "\n  null: x", 6, "empty (~ or null)"),
    ('title: {"": x, fr: a, en: b}', 3, "empty (~ or null)"),
    ("title: { 1: x }", 3, "a number (1)"),
    ("title: { true: x }", 3, "a yes/no value (true)"),
    (TITLE + "\n  1.5: x", 6, "a decimal number (1.5)"),
    (TITLE + "\n  2020-01-01: x", 6, "a date (2020-01-01)"),
])
def test_a_key_that_is_not_a_name_is_said_at_its_line(tmp_path, title, line, kind):
    # It was `title.None.[key]` (or `title[1].[key]`), on the title's line, with "empty:
    # write the text after the colon".
    problems = _problems(tmp_path, MINIMAL.replace(TITLE, title, 1))
    assert _said(problems) == [f":{line}: title: a key that is {kind}: {IN_TEXT}"]
    assert _fr(problems[0]).startswith("une clé qui est ") and _fr(problems[0]).endswith(
        " : les clés d'un texte sont ses langues (fr, en) : écrivez la langue avant les "
        "deux-points")


def test_a_key_that_is_not_a_field_name_says_the_field_names(tmp_path):
    problems = _problems(tmp_path, MINIMAL + "~: x\nteam:\n  - name: Alice\n    1: x\n")
    assert _said(problems) == [
        ":24: a key that is empty (~ or null): the keys here are field names (number, date, "
        "title, preheader, …): write the field's name before the colon",
        ":27: team[0]: a key that is a number (1): the keys here are field names (name, "
        "role): write the field's name before the colon"]
    assert _fr(problems[1]) == (
        "une clé qui est un nombre (1) : les clés sont ici des noms de champ (name, role) : "
        "écrivez le nom du champ avant les deux-points")


def test_a_key_that_is_not_a_language_code_is_named(tmp_path):
    # `yes` is text in YAML 1.2: the key was passed over, and only fr and en said missing.
    problems = _problems(tmp_path, MINIMAL.replace(TITLE, "title: { yes: x }", 1))
    assert _said(problems) == [
        ":3: title.yes: 'yes' is not a language code (ISO 639-1, e.g. 'de'): the keys of a "
        "text are its languages (fr, en)",
        ":3: title.fr: missing", ":3: title.en: missing"]


def test_a_kind_in_capitals_and_an_empty_list_are_said_as_what_to_type(tmp_path):
    # They were pydantic's own: "Input should be 'cites', 'network' or 'moves'" and "List
    # should have at least 1 item after validation, not 0".
    capital = _said(_problems(tmp_path, MINIMAL.replace("kind: cites", "kind: Network")))
    assert capital == [":14: sections[0].kind: 'Network': write it 'network', in small letters"]
    other = _said(_problems(tmp_path, MINIMAL.replace("kind: cites", "kind: news")))
    assert other == [":14: sections[0].kind: a text ('news') is not one of cites, network, "
                     "moves: write one of them"]
    empty = MINIMAL.replace("    articles:\n      - title:",
                            "    articles: []\n    x:\n      - title:")
    assert "sections[0].articles: an empty list: give at least 1 item (each on its own line, " \
           "starting with - ), or remove the line" in " ".join(_said(_problems(tmp_path, empty)))
