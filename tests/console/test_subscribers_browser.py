"""Subscribers in a real Chromium: CSV upload with row errors, search, a subscriber's
history, GDPR erasure with confirmation; an editor can search but not erase."""

import requests

from tests.console.test_access import add_staff, sign_in
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
    raw = download.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid;email;")  # for a French spreadsheet: BOM and ';'
    exported = raw.decode("utf-8-sig")
    assert "ana@example.org" in exported
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
    assert "Abonné·es: 3\u202f000 · " in page.inner_text("#summary")  # as French groups it

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


FRENCH_OFFICE = ("courriel;nom;langue;date_consentement\r\n"
                 "helene@example.org;Hélène Bérard;français;15/11/2025\r\n"
                 "pas-une-adresse;Élise;fr;15/11/2025\r\n"
                 "=cmd@example.org;=HYPERLINK(\"http://evil.example/\",\"x\");en;"
                 "15/11/2025 09:30\r\n")


def test_a_sender_imports_a_french_offices_file_and_exports_it_back(console, page, tmp_path):
    add_staff(console.env, "sender@example.org", "sender")
    upload = tmp_path / "liste abonnés.csv"
    upload.write_bytes(FRENCH_OFFICE.encode("cp1252"))
    sign_in(page, console, "sender@example.org")
    page.goto(f"{console.url}/console/subscribers")
    # Import and export come before the list, not below 50 rows.
    assert page.locator("#import-export ~ #found").count() == 1
    page.set_input_files("#file", str(upload))
    page.click("#import")
    assert "Windows-1252" in page.inner_text("main")
    assert page.inner_text("#summary").startswith("Abonné·es: 2")
    cells = page.locator("#rejected tbody tr td").all_inner_texts()
    assert cells == ["3", "courriel", "adresse non valide : « pas-une-adresse »"]
    assert "/tmp" not in page.content() and "upload.csv" not in page.content()
    assert axe_violations(page) == []

    page.goto(f"{console.url}/console/subscribers")
    with page.expect_download() as download:
        page.click("#export")
    exported = download.value.path().read_bytes().decode("utf-8-sig")
    header, *rows = exported.splitlines()
    assert header.startswith("id;email;language;name;")
    formula = next(row for row in rows if "cmd@" in row)
    # Neutralised for the spreadsheet: each cell that began with = now begins with '.
    assert formula.split(";")[1:4] == [
        "'=cmd@example.org", "en", "\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\""]
    assert "2025-11-15 09:30:00" in formula  # local time, no microseconds

    # Read back into the list: the original text, nothing added twice.
    again = tmp_path / "export.csv"
    again.write_text(exported, encoding="utf-8-sig")
    page.goto(f"{console.url}/console/subscribers")
    page.set_input_files("#file", str(again))
    page.click("#import")
    assert "Déjà présents: 2" in page.inner_text("#summary")


def test_a_broken_file_is_refused_whole_in_the_staffs_words(console, page, tmp_path):
    upload = tmp_path / "cassé.csv"
    rows = "".join(f"r{n}@example.org,R{n}\n" for n in range(50))
    upload.write_text("email,name\n" + rows + "x@example.org," + "y" * 140_000 + "\n")
    sign_in(page, console, "admin@example.org")
    page.goto(f"{console.url}/console/subscribers")
    page.set_input_files("#file", str(upload))
    with page.expect_response(lambda r: r.url.endswith("/subscribers/import")) as answer:
        page.click("#import")
    assert answer.value.status == 400
    assert page.inner_text("#problem").startswith("cassé.csv:52: une cellule de plus de 131")
    assert "/tmp" not in page.content()
    assert axe_violations(page) == []
    page.goto(f"{console.url}/console/subscribers?q=example")
    assert page.inner_text("#total") == "0 personne"  # nothing of it was saved
    page.goto(f"{console.url}/console/audit")
    assert "import refusé (rien n'a été enregistré)" in page.inner_text("main")
