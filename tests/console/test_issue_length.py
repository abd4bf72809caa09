"""The console's issue page says which articles the email summarises to keep its size,
and why, in the member's language (issue 13's length rule)."""

import shutil

import pytest

from tests.console.test_access import ROOT, add_staff, sign_in
from tests.support.webapp import WebProcess


@pytest.fixture
def small_budget_console(tmp_path):
    issues = tmp_path / "issues"
    issues.mkdir()
    shutil.copy(ROOT / "issues" / "092.yaml", issues)
    # A budget the winter example passes, so that the rule has to summarise.
    web = WebProcess(tmp_path / "home", issues_dir=str(issues), email_html_budget_kb="50")
    add_staff(web.env, "editor@example.org", "editor")
    web.start()
    yield web
    web.stop()


def test_issue_page_lists_the_summarised_articles_and_why(small_budget_console, page):
    web = small_budget_console
    page.route("http*://www.*.example/**", lambda route: route.abort())
    sign_in(page, web, "editor@example.org")
    page.goto(f"{web.url}/console/issues/092.yaml")
    notes = page.locator(".length-note")
    assert notes.count() == 2  # one per language
    assert "au-delà du budget de 50 Ko" in notes.nth(0).inner_text()  # why
    french, english = (page.locator(".length-note + ul").nth(i).inner_text() for i in (0, 1))
    assert "Lyon : un hiver « sans rendez-vous » pour les saisonniers" in french  # as shown
    assert 'Lyon: a "no appointment" winter for seasonal workers' in english
