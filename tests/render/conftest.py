from pathlib import Path

import pytest

from mailer.render import render_file

ROOT = Path(__file__).resolve().parents[2]
FULL_EXAMPLE = ROOT / "issues" / "091.yaml"
PROGRAMME_EXAMPLE = ROOT / "issues" / "spring-school-2027.yaml"


@pytest.fixture(scope="session")
def editions():
    """The full example, rendered once for all the tests that only read it."""
    return render_file(FULL_EXAMPLE)


def write_issue(tmp_path: Path, text: str, name: str = "083.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
number: 83
date: 2020-06-15
title:
  fr: Infolettre de juin
  en: June newsletter
editorial:
  body:
    fr: Bonjour à toutes et à tous.
    en: Hello everyone.
  signature:
    name: Alice Martin
    role: {fr: Présidente, en: President}
sections:
  - kind: cites
    articles:
      - title:
          fr: Un titre
          en: A title
        body:
          fr: Un texte.
          en: A text.
contact_email: info@example.org
site_url: https://www.example.org
"""
