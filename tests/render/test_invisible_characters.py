"""Invisible characters in issue texts, subjects and names (mailer.invisible): refused with
the field, its line and the character's position, or kept where a script or an emoji needs
them; and images only over https."""

import pytest

from mailer.invisible import invisible_problem
from mailer.issue import IssueInvalid, load_issue
from tests.render.conftest import MINIMAL, write_issue


def _problems(tmp_path, text: str) -> list[str]:
    path = write_issue(tmp_path, text)
    with pytest.raises(IssueInvalid) as caught:
        load_issue(path)
    return [str(p).removeprefix(str(path)) for p in caught.value.problems]


@pytest.mark.parametrize(("where", "before", "after", "expected"), [
    # The subject that shows other words than it holds (Trojan Source).
    ("subject", "fr: Infolettre de juin", "fr: Infolettre \u202ede juin",
     ":4: title.fr: an invisible U+202E (right-to-left override) at character 12, which can "
     "make the text show other words than it holds: delete it (type the text again)"),
    ("subject isolate", "fr: Infolettre de juin", "fr: Infolettre \u2067de\u2069 juin",
     ":4: title.fr: an invisible U+2067 (right-to-left isolate) at character 12: a subject or "
     "a name cannot hold bidi isolates; delete it"),
    ("body zero-width space", "fr: Un texte.", "fr: Un\u200b texte.",
     ":20: sections[0].articles[0].body.fr: an invisible U+200B (zero-width space) at "
     "character 3: delete it, or type a space instead"),
    # YAML 1.1 reads it as a line break, where an editor shows none.
    ("body line separator", "fr: Un texte.", "fr: Un\u2028texte.",
     ":20: an invisible U+2028 (line separator) at column 17, which YAML reads as a line "
     "break: delete it, or press Enter"),
    ("body byte order mark", "fr: Un texte.", "fr: Un te\ufeffxte.",
     ":20: sections[0].articles[0].body.fr: an invisible U+FEFF (zero-width no-break space "
     "(byte order mark)) at character 6: delete it"),
    ("body open isolate", "fr: Un texte.", "fr: Un \u2067texte.",
     ":20: sections[0].articles[0].body.fr: an invisible U+2067 (right-to-left isolate) at "
     "character 4 that is never closed, so it would reorder the rest of the email: close it "
     "with U+2069, or delete it"),
    ("joiner next to a space", "fr: Un texte.", "fr: Un \u200dtexte.",
     ":20: sections[0].articles[0].body.fr: an invisible U+200D (zero-width joiner) at "
     "character 4, joining nothing (at an end or next to a space): delete it"),
    ("signature name", "name: Alice Martin", "name: Alice\u200b Martin",
     ":11: editorial.signature.name: an invisible U+200B (zero-width space) at character 6: "
     "delete it, or type a space instead"),
])
def test_an_invisible_character_is_refused_with_field_line_and_position(
        tmp_path, where, before, after, expected):
    assert _problems(tmp_path, MINIMAL.replace(before, after, 1)) == [expected]


@pytest.mark.parametrize(("title", "line"), [('fr: "Infolettre\\nde juin"', 4),
                                             ("fr: |\n    Infolettre\n    de juin", 5)])
def test_a_subject_on_two_lines_is_refused(tmp_path, title, line):
    # The header folded the line break into a space; the web page's heading kept it.
    assert _problems(tmp_path, MINIMAL.replace("fr: Infolettre de juin", title)) == [
        f":{line}: title.fr: a line break in a one-line text (a subject, a preheader, a name): "
        "write it on one line, without | or >"]


def test_a_subject_written_as_a_block_on_one_line_is_fine(tmp_path):
    text = MINIMAL.replace("fr: Infolettre de juin", "fr: |\n    Infolettre de juin")
    assert load_issue(write_issue(tmp_path, text)).title.get("fr") == "Infolettre de juin\n"


@pytest.mark.parametrize("tag", ["{{ UnsubscribeURL }}", "*|UNSUB|*", "%%unsubscribe_url%%",
                                 "{% if name %}"])
def test_a_template_tag_from_another_system_is_refused(tmp_path, tag):
    # After listmonk #2018: template code pasted into a text is shown as written.
    found = _problems(tmp_path, MINIMAL.replace("fr: Un texte.", f"fr: 'Un texte {tag}.'"))
    assert found == [f":20: sections[0].articles[0].body.fr: the template tag {tag!r} at "
                     "character 10 would be shown as written (texts are not templates; the "
                     "footer of every email carries the unsubscribe and preferences links): "
                     "remove it"]


@pytest.mark.parametrize(("before", "after", "expected"), [
    # "\\0", "\\e", "\\x07", "\\x85" in double quotes made MJML raise a traceback.
    ("fr: Un texte.", 'fr: "Un\\0texte."', ":20: sections[0].articles[0].body.fr: a control "
     "character U+0000 at character 3 (a \\ escape in quotes): delete it"),
    ("fr: Un texte.", 'fr: "Un\\etexte."', ":20: sections[0].articles[0].body.fr: a control "
     "character U+001B at character 3 (a \\ escape in quotes): delete it"),
    ("fr: Un texte.", 'fr: "Un\\x85texte."', ":20: sections[0].articles[0].body.fr: a "
     "control character U+0085 at character 3 (a \\ escape in quotes): delete it"),
    # Half a UTF-16 pair passed validation, then the render (and `send`) stopped on it.
    ("fr: Un texte.", 'fr: "Un\\ud800texte."', ":20: sections[0].articles[0].body.fr: half "
     "of a UTF-16 pair U+D800 at character 3 (a \\ escape in quotes): delete it"),
    # A carriage return in the subject would reach the Subject header.
    ("fr: Infolettre de juin", 'fr: "Infolettre\\rBcc: x@example.org"', ":4: title.fr: a "
     "control character U+000D at character 11 (a \\ escape in quotes): delete it"),
])
def test_a_control_character_spelled_as_an_escape_is_refused(tmp_path, before, after,
                                                             expected):
    assert _problems(tmp_path, MINIMAL.replace(before, after, 1)) == [expected]


def test_an_invisible_character_is_placed_on_its_own_line_of_a_long_text(tmp_path):
    body = "fr: |\n            Premier paragraphe.\n\n            Un\u200b second."
    found = _problems(tmp_path, MINIMAL.replace("fr: Un texte.", body))
    assert found[0].startswith(":23: sections[0].articles[0].body.fr: an invisible U+200B"), found


def test_joiners_in_emoji_and_scripts_and_closed_isolates_are_kept(tmp_path):
    # 👩‍💻 is three characters joined by U+200D; Persian writes می‌خواهم with U+200C; an
    # Arabic name set in a French line is isolated, and closed.
    text = (MINIMAL.replace("fr: Infolettre de juin", "fr: Infolettre de juin 👩\u200d💻")
            .replace("fr: Un texte.", "fr: Un texte de \u2067مؤسسة\u2069, می\u200cخواهم."))
    issue = load_issue(write_issue(tmp_path, text))
    assert "\u200d" in issue.title.get("fr")
    assert "\u2067" in issue.sections[0].articles[0].body.get("fr")


@pytest.mark.parametrize("text", ["a\u202ab\u202c", "\u200d", "x\u2069"])
def test_unbalanced_or_lone_controls_are_refused_in_any_text(text):
    assert invisible_problem(text) is not None


# --- images over https -----------------------------------------------------------------

IMAGE = ("        images:\n          - url: {url}\n            alt: {{fr: A, en: A}}\n")


def test_an_http_image_is_refused_with_the_https_address_to_write(tmp_path):
    text = MINIMAL.replace("contact_email:", IMAGE.format(url="http://www.example.org/a.png")
                           + "contact_email:", 1)
    assert _problems(tmp_path, text) == [
        ":23: sections[0].articles[0].images[0].url: 'http://www.example.org/a.png' is not "
        "https://: mail clients block or warn about images sent without it; write "
        "https://www.example.org/a.png (check that it opens), or upload the image in the "
        "console"]


def test_an_image_on_the_products_own_address_may_be_http(tmp_path, monkeypatch):
    from mailer.settings import get_settings

    monkeypatch.setenv("INFOLETTRE_BASE_URL", "http://127.0.0.1:8000")
    get_settings.cache_clear()
    try:
        text = MINIMAL.replace("contact_email:", IMAGE.format(
            url="http://127.0.0.1:8000/media/a.png") + "contact_email:", 1)
        issue = load_issue(write_issue(tmp_path, text))
    finally:
        get_settings.cache_clear()
    assert str(issue.sections[0].articles[0].images[0].url).startswith("http://127.0.0.1")
