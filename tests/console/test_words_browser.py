"""What a newcomer reads in the console, in French: language names, not codes, in the
tables, headings and frame titles; the editor's choices in the email's words; the time zone
as Babel names it; and (in English too) no catalogue key shadowed by the catalogue's own
attributes (`t.language` once printed "fr" as a column heading)."""

import re
from pathlib import Path

from mailer.catalogue import Catalogue
from tests.console.test_access import console, sign_in  # noqa: F401 (a fixture)
from tests.sending.conftest import add_subscribers
from tests.support.browser import axe_violations

TEMPLATES = Path(__file__).resolve().parents[2] / "mailer" / "console" / "templates"


def test_french_pages_name_languages_and_choices_in_words(console, page):  # noqa: F811
    add_subscribers(console.env["INFOLETTRE_DATABASE_URL"], 3)
    page.route("http*://www.reseaucitesdesmetiers.example/**", lambda route: route.abort())
    sign_in(page, console, "admin@example.org")
    assert re.search(r"\((?:anglais|français) \d, (?:anglais|français) \d\)",
                     page.inner_text("#glance"))
    page.goto(f"{console.url}/console/subscribers")
    headings = page.locator("main thead th").all_inner_texts()
    assert headings[2] == "Langue" and "fr" not in headings
    cells = set(page.locator("main tbody td:nth-child(3)").all_inner_texts())
    assert cells <= {"français", "anglais"} and cells
    assert "heure d’Europe centrale" in page.inner_text("#export-help")
    page.goto(f"{console.url}/console/staff")
    assert page.locator("main thead th").nth(2).inner_text() == "Langue"
    assert page.locator("label[for=new-language]").inner_text() == "Langue"
    page.goto(f"{console.url}/console/issues/091.yaml")
    headings = page.locator("main h2").all_inner_texts()
    assert "Français — version texte" in headings and "Anglais — version texte" in headings
    assert any(h.startswith("Anglais — The Network") for h in headings)
    assert page.locator("iframe[title='Anglais à 375 px']").count() == 1
    assert axe_violations(page) == []
    page.goto(f"{console.url}/console/issues/092.yaml/edit")
    options = page.locator("select[data-key=group] >> nth=0").locator("option").all_inner_texts()
    assert options == ["—", "Réunions internes", "Autres événements"]
    assert axe_violations(page) == []


def test_no_template_reads_a_key_the_catalogue_hides():
    hidden = {name for name in dir(Catalogue) if not name.startswith("_")} - {"get"}
    found = [f"{path.name}: t.{name}" for path in TEMPLATES.rglob("*.html")
             for name in re.findall(r"\bt\.(\w+)", path.read_text(encoding="utf-8"))
             if name in hidden]
    assert found == []
