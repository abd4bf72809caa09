"""What an issue can hold (issue 13): own sections and agenda groups, agenda details,
closings, contacts; links checked everywhere; messages that say the fix; the length rule;
the preheader; the JSON Schema and the README's reference to it."""

import json
import re
import subprocess
import sys
from html import unescape

import pytest

from mailer import placeholders
from mailer.issue import IssueInvalid, load_issue
from mailer.issue.schema import json_schema
from mailer.render import render_file
from mailer.settings import get_settings
from mailer.size import html_bytes
from mailer.typography import NBSP
from tests.render.conftest import MINIMAL, ROOT, write_issue

WINTER = ROOT / "issues" / "092.yaml"
NBSPS = str.maketrans({NBSP: " ", "\u202f": " "})


def problems(path) -> list[str]:
    with pytest.raises(IssueInvalid) as caught:
        load_issue(path)
    return [str(problem) for problem in caught.value.problems]


def validate(*paths, env=None):
    return subprocess.run([sys.executable, "-m", "mailer", "validate", *map(str, paths)],
                          capture_output=True, text=True, cwd=ROOT, check=False, env=env,
                          timeout=120)


@pytest.fixture(scope="module")
def winter():
    return render_file(WINTER)


def plain(text: str) -> str:
    """Text with the typographic spaces read as plain ones, for asserting on words."""
    return unescape(text).translate(NBSPS)


# --- the winter example uses every element --------------------------------------------


def test_winter_example_uses_every_new_element():
    issue = load_issue(WINTER)
    assert any(section.title for section in issue.sections)  # a section of its own
    assert any(group.title for group in issue.agenda)  # an agenda group of its own
    entries = [entry for group in issue.agenda for entry in group.entries]
    assert any(entry.date == "tba" for entry in entries)
    assert any(entry.time and entry.end_time for entry in entries)
    assert any(entry.link_text for entry in entries)
    assert issue.editorial.closing and issue.closing and issue.contact_text
    contacts = [c for s in issue.sections for a in s.articles for c in a.contacts]
    assert any(contact.name is None for contact in contacts)
    assert issue.preheader is None  # the default preheader is used
    assert sum(len(section.articles) for section in issue.sections) >= 8


@pytest.mark.parametrize(("language", "words"), [
    ("fr", ["Financements européens", "Réunions externes", "Date à venir", "Inscription",
            "1er février 2027, 10:00 – 12:00", "Bien cordialement,",
            "Merci de votre collaboration", "Une nouvelle à partager dans le prochain numéro"]),
    ("en", ["European funding", "External meetings", "Date to be announced", "Registration",
            "1 February 2027, 10:00–12:00", "Kind regards,",
            "Thank you for your collaboration", "News to share in the next issue?"]),
])
def test_new_elements_reach_html_and_text_part(winter, language, words):
    edition = winter[language]
    html = plain(re.sub(r"<sup[^>]*>(\w+)</sup>", r"\1", edition.html))
    for word in words:
        assert word in html, word
        assert word.lower() in plain(edition.text).lower(), word


def test_agenda_link_words_are_the_link_and_the_title_stays_text(winter):
    html = winter["fr"].html
    assert re.search(r'<a href="https://www.reseaucitesdesmetiers.example/apm-2027"[^>]*>'
                     r"Inscription</a>", html)
    assert ">Assemblée permanente des managers</a>" not in html
    assert "Inscription\u00a0: https://www.reseaucitesdesmetiers.example/apm-2027" in \
        winter["fr"].text


def test_contact_with_only_an_address(winter):
    html, text = winter["en"].html, winter["en"].text
    assert re.search(r"Contact:</strong> <a href=\"mailto:projets@", html)
    assert "Contact: projets@reseaucitesdesmetiers.example\n" in text


def test_bare_address_in_a_body_becomes_a_link(winter):
    html = winter["en"].html
    assert re.search(r'<a href="https://www.cdm-lyon.example/saisonniers"[^>]*>'
                     r"https://www.cdm-lyon.example/saisonniers</a>\.", html)


def test_sections_keep_the_files_order(winter):
    text = winter["fr"].text
    order = [text.index(title) for title in (
        "NOUVELLES DES CITÉS DES MÉTIERS", "FINANCEMENTS EUROPÉENS", "NOUVELLES DU RÉSEAU",
        "ARRIVÉES ET DÉPARTS")]
    assert order == sorted(order)


@pytest.mark.parametrize(("change", "message"), [
    ("  - kind: cites\n", "  - kind: cites\n    title: {fr: A, en: B}\n"),
    ("  - kind: cites\n    articles:\n", "  - articles:\n"),  # neither kind nor title
])
def test_a_section_is_standard_or_its_own(tmp_path, change, message):
    found = problems(write_issue(tmp_path, MINIMAL.replace(change, message)))
    assert any("sections[0]" in line for line in found), found


def test_agenda_entry_coherence(tmp_path):
    agenda = """agenda:
  - group: other
    entries:
      - date: tba
        end: 2027-01-02
        title: {fr: A, en: A}
      - date: 2027-01-01
        link_text: {fr: Inscription, en: Registration}
        title: {fr: B, en: B}
"""
    found = problems(write_issue(tmp_path, MINIMAL + agenda))
    assert any(":27: agenda[0].entries[0]: end needs a date" in line for line in found), found
    assert any(":30: agenda[0].entries[1]: link_text needs a link" in line for line in found)


# --- links -----------------------------------------------------------------------------


@pytest.mark.parametrize(("link", "says"), [
    ("[page facebook](#)", "without an address"),
    ("[le site]()", "without an address"),
    ("[le site](www.example.org)", "write it https://www.example.org"),
    ("[le site](https://www.example.org/une page)", "a space in the address"),
    ("[écrire](info@example.org)", "write it mailto:info@example.org"),
    ("[x](javascript:alert(1))", "only https://, http:// and mailto:"),
    ("[le site](https://www.example.org/\u200bpage)", "an invisible character (U+200B)"),
    ("[le site](https://www.exam\u00adple.org/)", "an invisible character (U+00AD)"),
])
def test_a_bad_link_in_a_body_names_line_field_and_fix(tmp_path, link, says):
    found = problems(write_issue(tmp_path, _body_with(link)))
    assert len(found) == 1 and found[0].startswith(
        f"{tmp_path / '083.yaml'}:9: editorial.body.fr: link ["), found
    assert says in found[0]


@pytest.mark.parametrize(("link", "says"), [
    # It quoted 'javascript:alert(3': the link ended at the first `)`, not the balancing one.
    ("[x](javascript:alert(3))", "[x]: 'javascript:alert(3)': only https://"),
    ("[x](javascript:alert((3)))", "[x]: 'javascript:alert((3))': only https://"),
    ("[x](www.example.org/Lyon_(France)) et (plus)",
     "[x]: 'www.example.org/Lyon_(France)' has no https://: write it "
     "https://www.example.org/Lyon_(France)"),
    ("[x](https://www.example.org/a (b))",
     "[x]: a space in the address 'https://www.example.org/a (b)'"),
    ("[x](mailto:info(at)example.org)", "[x]: 'mailto:info(at)example.org' is not an e-mail"),
])
def test_a_refused_link_is_quoted_whole_with_its_parentheses(tmp_path, link, says):
    found = problems(write_issue(tmp_path, _body_with(link)))
    assert len(found) == 1 and found[0].startswith(
        f"{tmp_path / '083.yaml'}:9: editorial.body.fr: link {says}"), found


def _body_with(link: str) -> str:
    return f"""\
number: 83
date: 2020-06-15
title: {{fr: Juin, en: June}}
editorial:
  body:
    fr: |
      Bonjour à toutes et à tous.

      Voir {link} pour tout savoir.
    en: Hello everyone.
  signature: {{name: Alice Martin}}
contact_email: info@example.org
site_url: https://www.example.org
"""


def test_links_are_checked_in_every_text_not_only_bodies(tmp_path):
    text = MINIMAL.replace("fr: Un titre", "fr: '[Titre](#)'")
    assert problems(write_issue(tmp_path, text)) == [
        f"{tmp_path / '083.yaml'}:17: sections[0].articles[0].title.fr: link [Titre]: "
        "a link without an address: write the full address, e.g. https://www.example.org/page"
    ]


def test_mailto_is_a_valid_agenda_link_and_web_links_render_as_before(tmp_path):
    agenda = """agenda:
  - group: other
    entries:
      - date: 2027-01-01
        title: {fr: A, en: A}
        link: mailto:inscription@example.org
      - date: 2027-01-02
        title: {fr: B, en: B}
        link: https://www.example.org
"""
    issue = load_issue(write_issue(tmp_path, MINIMAL + agenda))
    assert [str(e.link) for e in issue.agenda[0].entries] == [
        "mailto:inscription@example.org", "https://www.example.org/"]


# --- the four messages that say the fix --------------------------------------------------


def test_a_date_with_a_time_says_to_write_the_date_only(tmp_path):
    # The message showed Python's repr: "datetime.datetime(2018, 1, 15, 10, 0) is not a date".
    path = write_issue(tmp_path, MINIMAL.replace("date: 2020-06-15", "date: 2018-01-15T10:00:00"))
    result = validate(path)
    assert result.returncode == 1
    assert result.stderr == (f"{path}:2: date: 2018-01-15 10:00:00 is a date and a time: write "
                             "the date only, 2018-01-15\n")


def test_a_day_month_year_date_says_how_to_write_it(tmp_path):
    path = write_issue(tmp_path, MINIMAL.replace("date: 2020-06-15", "date: 15/01/2018"))
    result = validate(path)
    assert result.returncode == 1
    assert result.stderr == (f"{path}:2: date: '15/01/2018' is not a date the format reads: "
                             "write it 2018-01-15 (year-month-day)\n")


def test_a_tab_says_indent_with_spaces(tmp_path):
    path = write_issue(tmp_path, MINIMAL.replace("  fr: Infolettre de juin", "\tfr: Infolettre"))
    result = validate(path)
    assert result.returncode == 1
    assert result.stderr == (f"{path}:4: a tab character (column 1): indent with spaces, "
                             "never with tabs\n")


def test_an_unquoted_colon_says_put_the_text_in_quotes(tmp_path):
    path = write_issue(tmp_path, MINIMAL.replace("fr: Un titre", "fr: Milan : un parcours"))
    result = validate(path)
    assert result.returncode == 1
    assert result.stderr == (f"{path}:17: a colon followed by a space inside the text of fr: "
                             'put the whole text in quotes: fr: "Milan : un parcours"\n')
    assert "Traceback" not in result.stderr


def test_an_agenda_link_without_scheme_says_write_https(tmp_path):
    agenda = ("agenda:\n  - group: other\n    entries:\n      - date: 2027-01-01\n"
              "        title: {fr: A, en: A}\n        link: www.example.org/inscription\n")
    path = write_issue(tmp_path, MINIMAL + agenda)
    result = validate(path)
    assert result.returncode == 1
    assert result.stderr == (f"{path}:29: agenda[0].entries[0].link: 'www.example.org/inscription'"
                             " has no https://: write it https://www.example.org/inscription\n")



def test_a_site_address_of_another_scheme_is_not_told_to_add_https(tmp_path):
    # It said "write it https://javascript:alert(1)".
    path = write_issue(tmp_path, MINIMAL.replace("site_url: https://www.example.org",
                                                 'site_url: "javascript:alert(1)"'))
    result = validate(path)
    assert result.returncode == 1
    assert result.stderr == (f"{path}:23: site_url: 'javascript:alert(1)': only a web address "
                             "(https://…) can go here\n")

# --- the length rule ---------------------------------------------------------------------

PARAGRAPH = {"fr": "Un paragraphe de plus, avec des mots pour peser dans la balance. " * 6,
             "en": "One more paragraph, with words to weigh in the balance. " * 6}


def _long_issue(tmp_path, articles: int, paragraphs: int, summary_at: int = -1,
                en_paragraphs: int | None = None):
    items = []
    for number in range(articles):
        extra = paragraphs + number % 3  # unequal lengths: the longest go first
        times = {"fr": extra, "en": extra if en_paragraphs is None else en_paragraphs}
        body = {code: f"Premier paragraphe {number}.\n\n" + "\n\n".join([text] * times[code])
                for code, text in PARAGRAPH.items()}
        item = {"title": {"fr": f"Article {number}", "en": f"Article {number}"},
                "body": body}
        if number == summary_at:
            item["summary"] = {"fr": "Résumé choisi.", "en": "Chosen summary."}
        items.append(item)
    text = MINIMAL.split("sections:")[0] + "sections: " + json.dumps(
        [{"kind": "cites", "articles": items}]).replace("\n", " ") + "\n"
    text += "contact_email: info@example.org\nsite_url: https://www.example.org\n"
    return write_issue(tmp_path, text)


def test_long_articles_are_shown_in_full_when_the_email_fits(tmp_path):
    editions = render_file(_long_issue(tmp_path, articles=4, paragraphs=4, summary_at=3))
    for edition in editions.values():
        assert edition.summarised == () and not edition.length_note()
        assert edition.html.count(f"{placeholders.VIEW_ONLINE_URL}#article-") == 1  # summary
    # articles 0 to 2 in full (4, 5 and 6 paragraphs of 6 sentences), 3 by its summary
    assert editions["en"].html.count("One more paragraph") == (4 + 5 + 6) * 6


@pytest.fixture
def budget(monkeypatch):
    def set_to(kb: float):
        monkeypatch.setattr(get_settings(), "email_html_budget_kb", kb)
    return set_to


def test_over_the_budget_the_same_articles_are_summarised_longest_first(tmp_path, budget):
    path = _long_issue(tmp_path, articles=6, paragraphs=3, summary_at=0)
    full = render_file(path)
    budget((len(full["fr"].html.encode()) - 5000) / 1024)
    editions = render_file(path)
    fr, en = editions["fr"], editions["en"]
    assert fr.summarised and len(fr.summarised) == len(en.summarised)
    assert [t.split()[-1] for t in fr.summarised] == [t.split()[-1] for t in en.summarised]
    assert fr.summarised[0] in ("Article 2", "Article 5")  # the longest (article 0 has a summary)
    assert "Article 0" not in fr.summarised
    for edition in editions.values():
        assert len(edition.html.encode()) <= edition.budget
        assert edition.html.count(f"{placeholders.VIEW_ONLINE_URL}#article-") == \
            len(edition.summarised) + 1
        assert "Chosen summary." in edition.html or "Résumé choisi." in edition.html
        assert edition.web_html.count("paragraph") >= full[edition.language].html.count(
            "paragraph") - 1  # the web page keeps everything
    note = fr.length_note()
    assert "over the" in note and "KB budget" in note and fr.summarised[0] in note


def test_validate_and_render_say_which_articles_and_why(tmp_path):
    path = _long_issue(tmp_path, articles=3, paragraphs=3)
    env = {**__import__("os").environ, "INFOLETTRE_EMAIL_HTML_BUDGET_KB": "20"}
    result = validate(path, env=env)
    assert result.returncode == 0 and result.stdout == f"{path}: valid\n"
    assert f"{path}: warning: length: fr: in full the email would weigh" in result.stderr
    assert "summarised with a link to the web version, longest first: Article 2" in result.stderr
    rendered = subprocess.run([sys.executable, "-m", "mailer", "render", str(path), "--out",
                               str(tmp_path / "out")], capture_output=True, text=True,
                              cwd=ROOT, env=env, check=False, timeout=120)
    assert rendered.returncode == 0 and "warning: length: en:" in rendered.stderr


def test_each_language_is_said_its_own_weight(tmp_path, budget):
    # A long French body and a short English one: the English note gave the French figure.
    path = _long_issue(tmp_path, articles=6, paragraphs=6, en_paragraphs=1)
    full = render_file(path)
    weight = {code: html_bytes(edition) for code, edition in full.items()}
    assert weight["fr"] > weight["en"] + 8 * 1024
    budget((weight["fr"] - 5000) / 1024)
    fr, en = render_file(path).values()
    assert (fr.full_size, en.full_size) == (weight["fr"], weight["en"])
    assert en.sent_size == html_bytes(en) and fr.sent_size == html_bytes(fr)
    assert f"fr: in full the email would weigh {weight['fr'] / 1024:.0f} KB" in fr.length_note()
    note = en.length_note()
    assert note.startswith(f"en: in full the email would weigh {weight['en'] / 1024:.0f} KB")
    assert "within the" in note and en.summarised[0] in note


def test_a_very_long_issue_still_fits_gmail_at_the_default_budget(tmp_path):
    editions = render_file(_long_issue(tmp_path, articles=30, paragraphs=6))
    for edition in editions.values():
        assert edition.summarised, "the rule should have summarised"
        assert len(edition.html.encode()) < 95 * 1024


# --- the preheader ------------------------------------------------------------------------


def test_default_preheader_is_the_first_sentence_after_the_greeting(winter):
    assert winter["fr"].preheader.startswith("L'année 2027 s'ouvre sur une nouvelle")
    assert winter["en"].preheader.startswith("The year 2027 opens with encouraging news")
    for edition in winter.values():
        assert len(edition.preheader) <= 140 and "Chères" not in edition.preheader
        assert "Dear" not in edition.preheader


def test_validate_warns_of_a_short_or_greeting_preheader(tmp_path):
    text = MINIMAL + "preheader: {fr: 'Chères et chers membres,', en: News}\n"
    path = write_issue(tmp_path, text)
    result = validate(path)
    assert result.returncode == 0 and result.stdout.endswith("valid\n")
    # The preheader is there: the warning names its line and what is wrong with it, and
    # does not ask to add one "beside title:".
    line = text.splitlines().index("preheader: {fr: 'Chères et chers membres,', en: News}") + 1
    assert f"{path}:{line}: warning: preheader.fr: the preheader 'Chères et chers membres,' " \
           "is a greeting: inboxes show it after the subject; write instead one sentence of " \
           "40 to 140 characters that gives the news\n" in result.stderr
    assert f"{path}:{line}: warning: preheader.en: the preheader 'News' is short (4 " \
           "characters): inboxes show 40 to 140, and fill the rest with other text of the " \
           "email; write instead one sentence of 40 to 140 characters that gives the " \
           "news\n" in result.stderr
    assert "beside title:" not in result.stderr


@pytest.mark.parametrize(("preheader", "warning"), [
    ("{fr: 'Infolettre de juin', en: 'June newsletter'}",
     "preheader.fr: the preheader 'Infolettre de juin' repeats the title, which inboxes show "
     "just before it: write instead one sentence of 40 to 140 characters that gives the news"),
    # Case and punctuation aside, the same words.
    ("\n  fr: \"Infolettre de juin : cent cités, une rentrée, trois salons, deux pays\"\n"
     "  en: 'JUNE NEWSLETTER!'",
     "preheader.en: the preheader 'JUNE NEWSLETTER!' repeats the title"),
    ("{fr: '" + "Une phrase longue, " * 9 + "', en: 'Eighty centres gather in Lyon for a "
     "week of workshops on jobs and training.'}",
     "preheader.fr: the preheader 'Une phrase longue, Une phrase longue, Une phrase l'… is "
     "long (171 characters): inboxes cut it after about 140; write instead one sentence"),
])
def test_validate_says_what_is_wrong_with_the_preheader_written(tmp_path, preheader, warning):
    path = write_issue(tmp_path, MINIMAL + f"preheader: {preheader}\n")
    result = validate(path)
    assert result.returncode == 0 and result.stdout.endswith("valid\n")
    line = len(MINIMAL.splitlines()) + 1 + ("\n  en:" in preheader) * 2
    assert f"{path}:{line}: warning: {warning}" in result.stderr, result.stderr
    assert "beside title:" not in result.stderr


def test_a_weak_first_sentence_of_the_editorial_asks_for_a_preheader(tmp_path):
    result = validate(path := write_issue(tmp_path, MINIMAL.replace(
        "fr: Bonjour à toutes et à tous.", 'fr: "Bonjour à toutes et à tous.\\n\\nVite lu."')))
    assert result.returncode == 0
    assert (f"{path}: warning: preheader.fr: the preheader 'Vite lu.' (the editorial's first "
            "sentence) is short (8 characters)") in result.stderr
    assert ('add preheader: {fr: "One sentence of 40 to 140 characters that gives the news"} '
            "at the top level of the issue, beside title:") in result.stderr


def test_validate_says_what_to_write_when_there_is_no_preheader(tmp_path):
    # No editorial to take the first sentence from, and no preheader: key.
    text = MINIMAL.replace(MINIMAL[MINIMAL.index("editorial:"):MINIMAL.index("sections:")], "")
    result = validate(write_issue(tmp_path, text))
    assert result.returncode == 0
    assert ('warning: preheader.fr: no preheader: inboxes fill the line after the subject with '
            'the first words of the email ("View online"); add preheader: {fr: "One sentence '
            'of 40 to 140 characters that gives the news"} at the top level of the issue, '
            'beside title:\n') in result.stderr


# --- the JSON Schema and the README's reference ------------------------------------------


def _resolve(node, defs):
    if "$ref" in node:
        return _resolve(defs[node["$ref"].split("/")[-1]], defs)
    if "anyOf" in node:
        kept = [n for n in node["anyOf"] if n.get("type") != "null"]
        if len(kept) == 1:
            return _resolve(kept[0], defs)
    return node


def _fields(model, defs, prefix=""):
    required = set(model.get("required", []))
    for name, prop in model.get("properties", {}).items():
        node = _resolve(prop, defs)
        yield f"{prefix}{name}", name in required
        if node.get("type") == "array" and _resolve(node["items"], defs).get("properties"):
            yield from _fields(_resolve(node["items"], defs), defs, f"{prefix}{name}[].")
        elif node.get("properties") and node.get("title") != "Text":
            yield from _fields(node, defs, f"{prefix}{name}.")


def test_schema_command_prints_the_json_schema():
    result = subprocess.run([sys.executable, "-m", "mailer", "schema"], capture_output=True,
                            text=True, cwd=ROOT, check=True, timeout=60)
    schema = json.loads(result.stdout)
    assert schema["$schema"].endswith("2020-12/schema") and schema["title"] == "Infolettre issue"
    assert set(schema["$defs"]["Text"]["properties"]) == {"fr", "en"}
    entry = schema["$defs"]["AgendaEntry"]["properties"]
    assert {"time", "link_text", "end_time"} <= set(entry)
    assert entry["date"]["description"]  # editors show descriptions while typing


def test_readme_reference_lists_every_field_with_whether_it_is_required():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = readme.split("### Format reference", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (yes|no) \|", reference, re.MULTILINE)
    schema = json_schema(["fr", "en"])
    assert dict(rows) == {path: "yes" if required else "no"
                          for path, required in _fields(schema, schema["$defs"])}
    for value in ("internal", "other", "cites", "network", "moves", "tba"):
        assert f"`{value}`" in reference


@pytest.mark.parametrize(("line", "greeting"), [
    ("Chères et chers membres du Réseau,", True), ("Bonjour à toutes et à tous.", True),
    ("Dear members and partners of the Network,", True), ("Hello everyone!", True),
    ("Deux nouvelles Cités labellisées et l'agenda de l'hiver.", False),
    ("Dear members, this winter brings two new Cités and a European project to the Network.",
     False),
])
def test_greetings_are_recognised(line, greeting):
    from mailer.preheader import is_greeting

    assert is_greeting(line) is greeting


@pytest.mark.parametrize(("key", "said"), [
    ("contact_email\u00a0", "U+00A0 (no-break space) at character 14"),
    ("contact\u200b_email", "U+200B (zero width space) at character 8"),
])
def test_a_field_name_with_a_hidden_character_says_which(tmp_path, key, said):
    # Pasted from a word processor: "contact_email : unknown field" beside "contact_email:
    # missing", the two names looking the same.
    found = problems(write_issue(tmp_path, MINIMAL.replace("contact_email", key)))
    line = MINIMAL.splitlines().index("contact_email: info@example.org") + 1
    assert f"{tmp_path / '083.yaml'}:{line}: {key}: unknown field: its name holds {said}; " \
           "type the name again: 'contact_email'?" in found, found
