"""Subscribers in a real Chromium: CSV upload with row errors, search, a subscriber's
history, GDPR erasure with confirmation; an editor can search but not erase."""

import requests

from tests.console.test_access import sign_in
from tests.support.browser import axe_violations

CSV = ("email,language,name,consent_date,consent_source\n"
       "ana@example.org,fr,Ana Lopes,2026-01-02,salon\n"
       "not-an-address,fr,Bad Row,2026-01-02,salon\n"
       "ben@example.org,en,Ben,,\n")


def test_import_search_history_erase(console, page, tmp_path):
    upload = tmp_path / "list.csv"
    upload.write_text(CSV, encoding="utf-8")
    sign_in(page, console, "admin@example.org")
    page.goto(f"{console.url}/console/subscribers")
    page.set_input_files("#file", str(upload))
    page.click("#import")
    rejected = page.locator("#rejected tbody tr")
    assert rejected.count() == 1 and rejected.first.locator("td").first.inner_text() == "3"
    assert axe_violations(page) == []

    page.goto(f"{console.url}/console/subscribers")
    with page.expect_download() as download:
        page.click("#export")
    exported = download.value.path().read_text(encoding="utf-8")
    assert exported.startswith("id,email,") and "ana@example.org" in exported
    assert "ben@example.org" in exported and "not-an-address" not in exported

    page.goto(f"{console.url}/console/subscribers?q=lopes")
    page.click("text=ana@example.org")
    assert page.get_attribute("#status", "data-status") == "subscribed"
    assert page.locator("#events [data-kind=imported]").count() == 1
    assert axe_violations(page) == []

    page.fill("#confirm", "someone-else@example.org")
    page.click("#erase")
    assert page.locator(".error").count() == 1  # the wrong address erases nobody
    page.go_back()
    page.fill("#confirm", "ana@example.org")
    page.click("#erase")
    page.goto(f"{console.url}/console/subscribers?q=ana")
    assert page.locator("#found tbody tr").count() == 0


def test_editor_searches_but_cannot_import_or_erase(console, page):
    sign_in(page, console, "editor@example.org")
    page.goto(f"{console.url}/console/subscribers?q=x")
    assert page.locator("#file").count() == 0
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    refused = requests.post(f"{console.url}/console/subscribers/1/erase", cookies=cookies,
                            data={"confirm": "x"}, allow_redirects=False, timeout=10)
    assert refused.status_code in (400, 403)


def test_a_csv_bigger_than_the_form_limit_imports(console, page, tmp_path):
    upload = tmp_path / "big.csv"
    rows = "".join(f"reader{n}@example.org,fr,Reader {n},2026-01-02,salon\n" for n in range(3000))
    upload.write_text("email,language,name,consent_date,consent_source\n" + rows)
    assert upload.stat().st_size > 64 * 1024
    sign_in(page, console, "admin@example.org")
    page.goto(f"{console.url}/console/subscribers")
    page.set_input_files("#file", str(upload))
    page.click("#import")
    assert "3000" in page.inner_text("#summary")

    # Browsing them: a count in words of the language, pages of 50 in address order.
    page.goto(f"{console.url}/console/subscribers?q=reader")
    assert page.inner_text("#total").replace("\u202f", " ") == "3 000 personnes"
    first = page.locator("#found tbody tr td:first-child").all_inner_texts()
    page.click("text=Page suivante")
    second = page.locator("#found tbody tr td:first-child").all_inner_texts()
    assert len(first) == len(second) == 50 and first == sorted(first)
    assert first[-1] < second[0] and second == sorted(second)
    assert axe_violations(page) == []
    page.select_option("#status", "pending")
    page.click("text=Rechercher")
    assert page.inner_text("#total") == "0 personne"  # French: zero takes the singular
