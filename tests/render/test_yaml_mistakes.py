"""The mistakes authors make in an issue file's YAML, each told as the line to fix and what to
write there (the parser names the place it noticed, often the line after); and values of
the wrong type (true, 7.0, "7", 1430) refused with the type expected, never read as
something else."""

import pytest

from mailer.issue import IssueInvalid, load_issue
from tests.render.conftest import MINIMAL, write_issue


def _problems(tmp_path, text: str | bytes) -> list[str]:
    path = tmp_path / "083.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(IssueInvalid) as caught:
        load_issue(path)
    return [str(p).removeprefix(str(path)) for p in caught.value.problems]


TITLE = "  fr: Infolettre de juin"

MISTAKES = {
    # A key indented under a key that already has a value: it was told "put text in quotes".
    "indent": (MINIMAL.replace("date: 2020-06-15", "  date: ["),
               ":2: wrong indentation: date: is indented by 2 spaces, number: on line 1 by 0; "
               "indent date: by 0, like number:"),
    "tab": (MINIMAL.replace(TITLE, "\tfr: Infolettre de juin"),
            ":4: a tab character (column 1): indent with spaces, never with tabs"),
    "unclosed double quote": (MINIMAL.replace("fr: Infolettre", 'fr: "Infolettre'),
                              ':4: a text opened with " is never closed: end it with "'),
    "unclosed single quote": (MINIMAL.replace("fr: Infolettre", "fr: 'Infolettre"),
                              ":4: a text opened with ' is never closed: end it with ' "
                              "on the same line"),
    "list item under a mapping": (MINIMAL.replace(TITLE + "\n", TITLE + "\n  - en: June\n"),
                                  ":5: a list item (- ) among key: value lines (the block that "
                                  "starts on line 4): remove the dash"),
    "no space after a colon": (MINIMAL.replace("fr: Infolettre", "fr:Infolettre"),
                               ":4: no space after the colon of fr:Infolettre: write "
                               "fr: Infolettre"),
    "no space on the last line": (MINIMAL.replace("site_url: https", "site_url:https"),
                                  ":23: no space after the colon of "
                                  "site_url:https://www.example.org: write site_url: https://"),
    "colon inside a title": (MINIMAL.replace("fr: Infolettre de juin", "fr: Milan : un parcours"),
                             ':4: a colon followed by a space inside the text of fr: put the '
                             'whole text in quotes: fr: "Milan : un parcours"'),
    "text opening with a quote": (MINIMAL.replace("fr: Infolettre de juin",
                                                  'fr: "Milan" et Lyon'),
                                  ':4: the text of fr: starts with a quote, which YAML reads as '
                                  'syntax: put the whole text in quotes: '
                                  'fr: "\\"Milan\\" et Lyon"'),
    "italic at the start": (MINIMAL.replace("fr: Un texte.", "fr: *Important* : un texte."),
                            ":20: the text of fr: starts with an asterisk"),
    "link at the start": (MINIMAL.replace("fr: Un texte.", "fr: [Inscription](https://a.org) ici"),
                          ':20: the text of fr: starts with a link ([words](…)), which YAML '
                          'reads as syntax: put the whole text in quotes: fr: "[Inscription]'),
    "list markup on the key's line": (MINIMAL.replace("fr: Un texte.",
                                                      "fr: - un\n          - deux"),
                                      ":20: the text of fr: starts with a list: write fr: |"),
    "at sign": (MINIMAL.replace("fr: Un texte.", "fr: @cites sur le réseau"),
                ':20: the text of fr: starts with an at sign'),
    "a translation indented too little": (
        MINIMAL.replace("          en: A text.", "        en: A text."),
        ":21: sections[0].articles[0].en: unknown field: if en: is a translation, indent it "
        "like the other languages of its text"),
    # YAML drops what follows ` #`: the subject would have been "June".
    "a number after #": (MINIMAL.replace("en: June newsletter", "en: June #3"),
                         ":5: title.en: the text stops before '#3': YAML reads ' #' as the start "
                         'of a comment; put the whole text in quotes: en: "June #3"'),
    "Latin-1": (MINIMAL.replace("Bonjour", "Bonjour é").encode("latin-1"),
                ":8: not UTF-8: byte 0xe9 at column 17 ('é' in Windows-1252 or Latin-1"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_yaml_mistake_is_told_on_its_line_with_the_fix(tmp_path, mistake):
    text, expected = MISTAKES[mistake]
    found = _problems(tmp_path, text)
    assert len(found) == 1, found
    assert found[0].startswith(expected), found[0]


@pytest.mark.parametrize("text", [MINIMAL.replace("\n", "\r\n"), "\ufeff" + MINIMAL,
                                  MINIMAL.replace("\n", "\r")])
def test_windows_line_ends_and_a_byte_order_mark_read_as_the_same_issue(tmp_path, text):
    path = tmp_path / "083.yaml"
    path.write_bytes(text.encode("utf-8"))
    issue = load_issue(path)
    assert issue.title.get("fr") == "Infolettre de juin" and issue.number == 83


def test_an_error_after_windows_line_ends_keeps_its_line(tmp_path):
    text = MINIMAL.replace("fr: Un titre", "fr: Milan : un parcours").replace("\n", "\r\n")
    assert _problems(tmp_path, text)[0].startswith(":17: a colon followed by a space")


# --- values of the wrong type --------------------------------------------------------------

WRONG_TYPES = {
    "number: true": ":1: number: expected a whole number, e.g. 83, not a yes/no value (true): "
                    "write it in digits",
    "number: 7.0": ":1: number: expected a whole number, e.g. 83, not a decimal number (7.0): "
                   "write it in digits",
    'number: "7"': ":1: number: expected a whole number, e.g. 83, not a text ('7'): remove "
                   "the quotes",
    "number: yes": ":1: number: expected a whole number, e.g. 83, not a text ('yes'): write it "
                   "in digits",
    "number: off": ":1: number: expected a whole number, e.g. 83, not a text ('off'): write it "
                   "in digits",
    "number: 0": ":1: number: 0 is too small: the least is 1",
}


@pytest.mark.parametrize("line", WRONG_TYPES)
def test_an_issue_number_of_the_wrong_type_is_refused_in_words(tmp_path, line):
    assert _problems(tmp_path, MINIMAL.replace("number: 83", line)) == [WRONG_TYPES[line]]


def test_a_number_with_a_leading_zero_is_decimal_not_octal(tmp_path):
    # YAML 1.1 read 010 as eight.
    path = write_issue(tmp_path, MINIMAL.replace("number: 83", "number: 010"))
    assert load_issue(path).number == 10


def test_yes_no_on_off_are_words_in_texts_and_language_codes(tmp_path):
    # YAML 1.1 made `no` (Norwegian) false and `en: Yes` no text at all.
    text = MINIMAL.replace("en: June newsletter", "en: Yes").replace(
        "number: 83", "number: 83\nlanguages: [fr, en, no]\nfallbacks: {no: en}")
    issue = load_issue(write_issue(tmp_path, text))
    assert issue.title.get("en") == "Yes" and issue.fallbacks == {"no": "en"}


def test_a_text_that_yaml_reads_as_a_number_says_put_it_in_quotes(tmp_path):
    found = _problems(tmp_path, MINIMAL.replace("en: June newsletter", "en: 2027"))
    assert found == [':5: title.en: expected a text, not a number (2027): put it in quotes, '
                     'e.g. "2027"']


AGENDA = ("agenda:\n  - group: other\n    entries:\n      - date: 2027-01-01\n"
          "        title: {fr: A, en: A}\n")


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("date", "20270115", "a number (20270115) where a date is expected: write it "
                         "year-month-day"),
    ("date", "true", "a yes/no value (true) where a date is expected"),
    ("end", "2027.5", "a decimal number (2027.5) where a date is expected"),
    # 1430 was read as 1,430 seconds (00:23:50), 14.30 as 14.3 seconds.
    ("time", "1430", 'a number (1430) where a time is expected: write it hours:minutes in '
                     'quotes, e.g. "14:30"'),
    ("time", "14.30", "a decimal number (14.3) where a time is expected"),
])
def test_a_date_or_time_of_the_wrong_type_is_refused_in_words(tmp_path, field, value, expected):
    agenda = AGENDA.replace("      - date: 2027-01-01\n", "      - date: 2027-01-01\n"
                            f"        {field}: {value}\n" if field != "date"
                            else f"      - date: {value}\n")
    found = _problems(tmp_path, MINIMAL + agenda)
    assert len(found) == 1 and expected in found[0], found


def test_an_image_width_must_be_a_whole_number(tmp_path):
    image = ("        images:\n          - url: https://www.example.org/a.png\n"
             "            alt: {fr: A, en: A}\n            width: 300.5\n")
    text = MINIMAL.replace("contact_email:", image + "contact_email:", 1)
    found = _problems(tmp_path, text)
    assert found == [":25: sections[0].articles[0].images[0].width: expected a whole number, "
                     "e.g. 83, not a decimal number (300.5): write it in digits"]


def _tag_said(tag: str) -> str:
    return (f"the YAML tag `{tag}` would read the value as something other than the text "
            f"written: remove the tag `{tag}`; write the text itself")


# A tag turned the text written into something else, or stopped the reading with a
# constructor's error that named no field; `!!binary aGVsbG8=` was the title "hello".
TAGS = {
    "fr: !!binary aGVsbG8=": (":4: title.fr: ", "!!binary"),
    "fr: !!timestamp 2020-01-01": (":4: title.fr: ", "!!timestamp"),
    "fr: !!int '12'": (":4: title.fr: ", "!!int"),
    "fr: !!python/object/apply:os.system ['touch pwned']": (
        ":4: title.fr: ", "!!python/object/apply:os.system"),
    "fr: !!python/name:os.system": (":4: title.fr: ", "!!python/name:os.system"),
    "fr: !<tag:example.org,2027:x> a": (":4: title.fr: ", "!<tag:example.org,2027:x>"),
}


@pytest.mark.parametrize("line", list(TAGS))
def test_a_yaml_tag_is_refused_at_its_field_and_nothing_is_built(tmp_path, monkeypatch, line):
    monkeypatch.chdir(tmp_path)
    where, tag = TAGS[line]
    assert _problems(tmp_path, MINIMAL.replace(TITLE.strip(), line)) == [where + _tag_said(tag)]
    assert not (tmp_path / "pwned").exists()


def test_a_tag_on_key_value_lines_on_an_alias_or_a_list_item_is_refused_once(tmp_path):
    text = MINIMAL.replace("title:\n" + TITLE + "\n  en: June newsletter",
                           "title: !!set {fr, en}\npreheader: &p !!binary aGk=\n"
                           "closing: {fr: *p, en: *p}")
    text = text.replace("contact_email:", "team:\n  - !!omap [name: Alice]\ncontact_email:")
    assert _problems(tmp_path, text) == [":3: title: " + _tag_said("!!set"),
                                         ":4: preheader: " + _tag_said("!!binary"),
                                         ":23: team[0]: " + _tag_said("!!omap")]


def test_a_local_tag_may_be_the_start_of_the_text(tmp_path):
    # `!Nouveau` is a tag to YAML, and likely words to its author.
    said = _problems(tmp_path, MINIMAL.replace(TITLE.strip(), "fr: !Nouveau programme"))
    assert said == [":4: title.fr: " + _tag_said("!Nouveau") + " (or, if `!Nouveau` is "
                    'part of the text, put the whole text in quotes: fr: "!Nouveau programme")']


def test_a_tag_that_changes_nothing_is_read(tmp_path):
    text = MINIMAL.replace(TITLE.strip(), "fr: !!str 83").replace(
        "title:\n", "title: !!map\n").replace("sections:\n", "sections: !!seq\n")
    issue = load_issue(write_issue(tmp_path, text))
    assert issue.title.get("fr") == "83" and len(issue.sections) == 1
