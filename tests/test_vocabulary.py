"""One vocabulary per language across the console, the emails and the public pages: one term
for an email message, one for an email address, one for unsubscribing and one for a
subscriber. A reader who met "courriel" in the confirmation and "e-mail" in the console, or
"abonnés" beside "abonné·es", was told of two things where there is one.

French (the Commission d'enrichissement de la langue française's terms, with the inclusive
form the team writes): courriel, adresse électronique, se désabonner / désabonnement,
abonné·e(s). English: email, email address, unsubscribe, subscriber.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from subscribers import csv_problems

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ["mailer/console/labels", "subscribers/labels", "templates/labels"]

# The other variants, which must not come back: (what the project writes, the pattern).
NOT = {
    "fr": [
        ("courriel", re.compile(r"\b(?:e-?)?mails?\b|\bmél\b", re.IGNORECASE)),
        ("adresse électronique",
         re.compile(r"\badresses? (?:de )?(?:courriel|e-?mail|mail)\b", re.IGNORECASE)),
        ("se désabonner, désabonnement", re.compile(r"désinscri|\bdésabonnage\b", re.IGNORECASE)),
        ("abonné·e, abonné·es",
         re.compile(r"\b(?:dés)?abonn(?:é|és|ée|ées)\b(?!·)|\bpersonnes? abonnées?\b",
                    re.IGNORECASE)),
    ],
    "en": [
        ("email", re.compile(r"\be-mail", re.IGNORECASE)),
        ("unsubscribe", re.compile(r"\bopt[- ]?out\b|\bsign[- ]?off\b", re.IGNORECASE)),
        ("subscriber", re.compile(r"\breaders?\b", re.IGNORECASE)),
    ],
}
# Words quoted as what a file or a form holds (a CSV header « email ») are data, not prose.
_QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"")


def _strings(value, where: str):
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")


def _texts(language: str):
    """Every text of `language` a person reads: the catalogues and the word tables."""
    for folder in FOLDERS:
        path = ROOT / folder / f"{language}.yaml"
        words = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield from _strings(words, f"{folder}/{path.name}")
    yield from _strings(csv_problems.MESSAGES.get(language, {}), "csv_problems.MESSAGES")


@pytest.mark.parametrize("language", sorted(NOT))
def test_one_term_per_concept(language):
    found = []
    for where, text in _texts(language):
        prose = _QUOTED.sub("", text)
        for term, other in NOT[language]:
            for match in other.finditer(prose):
                found.append(f"{where}: {match[0]!r} (write: {term})")
    assert found == []


def test_the_check_catches_the_variants_that_were_there():
    said = {"fr": ["Adresse e-mail", "l'E-mail pèserait", "Gardés désabonnés",
                   "3 personnes abonnées", "Se désinscrire", "contre cet abonné"],
            "en": ["E-mail address", "here a reader would unsubscribe", "Opt out"]}
    for language, texts in said.items():
        for text in texts:
            assert any(other.search(text) for _, other in NOT[language]), text
    assert not any(other.search("abonné·es, abonné·e, abonnement, Abonnez-vous")
                   for _, other in NOT["fr"])
