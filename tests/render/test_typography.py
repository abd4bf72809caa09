"""Typography per language: each French rule, and English left as typed."""

import datetime as dt
import re
from html import unescape

import pytest
import yaml

from mailer import typography
from mailer.labels import LABELS_DIR, load_labels
from mailer.render import render_file
from mailer.typography import NBSP, NNBSP, superscript_ordinals, typeset
from tests.render.conftest import MINIMAL, write_issue

# (rule, what an author types, what French readers get); English gets what was typed.
RULES = [
    ("semicolon", "des ateliers ; des visites", f"des ateliers{NNBSP}; des visites"),
    ("semicolon unspaced", "des ateliers; des visites", f"des ateliers{NNBSP}; des visites"),
    ("exclamation", "Merci à elle !", f"Merci à elle{NNBSP}!"),
    ("question", "Et vous?", f"Et vous{NNBSP}?"),
    ("?! stays joined", "Vraiment ?!", f"Vraiment{NNBSP}?!"),
    ("colon", "Au programme : trois ateliers", f"Au programme{NBSP}: trois ateliers"),
    ("colon unspaced", "Au programme: trois ateliers", f"Au programme{NBSP}: trois ateliers"),
    ("a time keeps its colon", "à 09:30 précises", "à 09:30 précises"),
    ("guillemets", "un atelier « bilan express »", f"un atelier «{NNBSP}bilan express{NNBSP}»"),
    ("guillemets unspaced", "un atelier «bilan»", f"un atelier «{NNBSP}bilan{NNBSP}»"),
    ("number and unit", "45 % des 300 km", f"45{NBSP}% des 300{NBSP}km"),
    ("number and currency", "250 000 € au plus", f"250{NNBSP}000{NBSP}€ au plus"),
    ("number and month", "le 9 novembre", f"le 9{NBSP}novembre"),
    ("first of the month", "le 1 février", f"le 1er{NBSP}février"),
    ("first of a range", "du 1 au 4 décembre", f"du 1er au 4{NBSP}décembre"),
    ("thousands", "plus de 600 000 visites", f"plus de 600{NNBSP}000 visites"),
    ("n°", "l'infolettre n°91", f"l'infolettre n°{NBSP}91"),
]


@pytest.mark.parametrize(("typed", "french"), [rule[1:] for rule in RULES],
                         ids=[rule[0] for rule in RULES])
def test_french_rule(typed, french):
    assert typeset(typed, "fr") == french
    assert typeset(french, "fr") == french  # idempotent: a typeset text stays as it is


@pytest.mark.parametrize("typed", [rule[1] for rule in RULES], ids=[rule[0] for rule in RULES])
def test_english_takes_none_of_it(typed):
    assert typeset(typed, "en") == typed


@pytest.mark.parametrize("address", [
    "https://www.example.org/a?b=1;c=2", "mailto:info@example.org", "info@example.org",
    "https://www.example.org/9 novembre", "%%unsubscribe_url%%",
    "https://fr.wikipedia.org/wiki/Qui_(film)?a=1;b=2",  # with the parentheses it closes
])
def test_addresses_are_never_touched(address):
    assert address in typeset(f"voir {address} !", "fr")
    assert typeset(f"voir {address} ; merci", "fr").endswith(f"{NNBSP}; merci")


def test_the_parenthesis_after_an_address_is_the_sentence_s():
    assert typeset("(voir https://example.org/a_(b)) ; et [x](https://example.org/c)!", "fr") == (
        f"(voir https://example.org/a_(b)){NNBSP}; et [x](https://example.org/c){NNBSP}!")


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "le 1<sup>er</sup> et la 15<sup>e</sup> édition"),
    ("en", "le 1er et la 15e édition"),
])
def test_ordinals_are_superscript_in_french_html_only(language, expected):
    assert superscript_ordinals("le 1er et la 15e édition", language) == expected


@pytest.mark.parametrize(("language", "first", "ranged"), [
    ("fr", f"1er{NBSP}février 2027", f"du 1er au 4{NBSP}décembre 2026"),
    ("en", "1 February 2027", "1–4 December 2026"),
])
def test_babel_dates_take_the_first_day_ordinal(language, first, ranged):
    labels = load_labels(language)
    assert labels.date(dt.date(2027, 2, 1)) == first
    assert labels.date_range(dt.date(2026, 12, 1), dt.date(2026, 12, 4)) == ranged


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_label_carries_spacing_around_punctuation(language):
    raw = yaml.safe_load((LABELS_DIR / f"{language}.yaml").read_text(encoding="utf-8"))
    for key, value in raw.items():
        if isinstance(value, str):
            assert not re.search(r"\s[:;!?»]|«\s|[\u00a0\u202f]", value), (key, value)


@pytest.fixture(scope="module")
def typed_issue(tmp_path_factory):
    text = MINIMAL.replace("Un texte.", "'Au programme : « bilan » le 1 février ; 45 % !'")
    text = text.replace("A text.", "'On the programme: \"review\" on 1 February; 45%!'")
    contacts = "        contacts: [{email: a@example.org}]\n"
    text = text.replace("contact_email:", f"{contacts}contact_email:")
    return render_file(write_issue(tmp_path_factory.mktemp("typo"), text))


def test_french_html_and_text_part_are_typeset(typed_issue):
    fr = typed_issue["fr"]
    expected = (f"Au programme{NBSP}: «{NNBSP}bilan{NNBSP}» le 1er{NBSP}février{NNBSP}; "
                f"45{NBSP}%{NNBSP}!")
    assert expected in fr.text
    html = re.sub(r"<sup [^>]*>", "<sup>", unescape(fr.html))
    assert expected.replace("1er", "1<sup>er</sup>") in html
    # the catalogue's labels and the layout's own punctuation, in both parts
    assert f"Voir en ligne{NBSP}: " in fr.text and f"Contact{NBSP}:" in unescape(fr.html)
    assert f"écrivez-nous{NBSP}:" in unescape(fr.html)


def test_english_html_and_text_part_are_not(typed_issue):
    en = typed_issue["en"]
    assert "On the programme: \"review\" on 1 February; 45%!" in en.text
    assert "View online: " in en.text and "Contact:" in unescape(en.html)
    for part in (en.text, unescape(en.html)):
        assert NBSP not in part and NNBSP not in part and "Contact :" not in part


def test_rules_are_one_table_per_language():
    assert set(typography.RULES) == {"fr"}


def test_typographic_spaces_survive_in_attributes(tmp_path):
    # mjml-python writes a no-break space in an attribute as the characters \u{a0}.
    image = ("        images:\n          - url: https://www.example.org/a.jpg\n"
             "            alt: {fr: 'Photo : la Cité', en: 'Photo: the Cité'}\n")
    text = MINIMAL.replace("        body:\n", image + "        body:\n", 1)
    text = text.replace("contact_email:", "preheader: {fr: 'Quoi ? Tout !', en: What}\n"
                        "contact_email:")
    editions = render_file(write_issue(tmp_path, text))
    for edition in editions.values():
        assert "\\u{" not in edition.html and "\\u{" not in edition.web_html
    assert 'alt="Photo : la Cité"' in editions["fr"].html
    assert f"Quoi{NNBSP}? Tout{NNBSP}!" in editions["fr"].html  # content keeps them


def test_the_subject_header_carries_plain_spaces(tmp_path):
    text = MINIMAL.replace("fr: Infolettre de juin", "fr: 'Juin : « bilan » !'")
    edition = render_file(write_issue(tmp_path, text))["fr"]
    assert edition.subject == "Juin : « bilan » !"  # headers are folded and re-encoded
    assert f"Juin{NBSP}: «{NNBSP}bilan{NNBSP}»{NNBSP}!" in edition.html  # the heading keeps them


def test_a_long_word_without_an_address_is_typeset_in_linear_time():
    """A 300,000-letter title (an upload, or a paste gone wrong) took the e-mail address
    pattern quadratic time, tried at every letter: hours for one render, a web worker held.
    Not a timing test: the alarm only stops a relapse that would run for minutes."""
    import signal

    def stuck(*_):
        raise TimeoutError("typeset is quadratic again in a word's length")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(30)
    try:
        word = "x" * 300_000
        assert typeset(f"{word} : écrire à lea@example.org !", "fr") == (
            f"{word}{NBSP}: écrire à lea@example.org{NNBSP}!")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_an_address_is_still_held_out_wherever_its_run_starts():
    assert typeset("(lea.b+news@example.org) ; a@b.org: x", "fr") == (
        f"(lea.b+news@example.org){NNBSP}; a@b.org{NBSP}: x")
