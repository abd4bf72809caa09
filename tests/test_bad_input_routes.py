"""Every route fed bad input, on PostgreSQL (which refuses NUL in text): a 4xx page in the
page's language, never a 500, never a server path."""

from __future__ import annotations

import re

import pytest
import requests

from tests.console.test_access import add_staff
from tests.support.webapp import WebProcess


@pytest.fixture(scope="module")
def web(tmp_path_factory, postgres_server):
    home = tmp_path_factory.mktemp("bad-input")
    url = postgres_server.create_database("bad_input_routes")
    server = WebProcess(home, database_url=url, signup_limit_per_ip="1000/minute",
                        signup_limit_per_address="1000/minute")
    add_staff(server.env, "admin@example.org", "admin")
    server.start()
    server.home = home
    yield server
    server.stop()


def token_of(session, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', session.get(url, timeout=10).text)[1]


def check(answer, status, language, home):
    assert answer.status_code == status, answer.text[:300]
    assert f'lang="{language}"' in answer.text
    assert "Traceback" not in answer.text and str(home) not in answer.text
    assert "/tmp" not in answer.text


def test_a_signup_name_with_nul_is_refused_in_the_forms_language(web):
    http = requests.Session()
    token = token_of(http, f"{web.url}/subscribe?lang=en")
    answer = http.post(f"{web.url}/subscribe", timeout=10, data={
        "csrf_token": token, "email": "nul@example.org", "name": "A\x00B", "language": "en"})
    check(answer, 400, "en", web.home)
    assert "Bad request" in answer.text
    json = requests.post(f"{web.url}/api/subscribe", timeout=10, json={
        "email": "nul@example.org", "name": "A\x00B", "language": "fr"})
    assert json.status_code == 400 and json.json()["error"] == "name"


def test_a_signup_body_too_large_is_a_413_page_in_the_pages_language(web):
    # The 413 handler read the form again, which raised again: a 500.
    http = requests.Session()
    token = token_of(http, f"{web.url}/subscribe?lang=fr")
    answer = http.post(f"{web.url}/subscribe?lang=fr", timeout=10, data={
        "csrf_token": token, "email": "big@example.org", "name": "x" * 100_000})
    check(answer, 413, "fr", web.home)


@pytest.mark.parametrize("fields", [{"name": {"a": 1}}, {"name": ["Ann"]}, {"name": True},
                                    {"language": ["fr"]}, {"email": ["a@example.org"]}])
def test_json_signup_fields_of_the_wrong_type_are_refused(web, fields):
    answer = requests.post(f"{web.url}/api/subscribe", timeout=10,
                           json={"email": "types@example.org", **fields})
    assert answer.status_code == 400 and answer.json()["error"] == next(iter(fields))


@pytest.mark.parametrize(("method", "path", "status", "language"), [
    ("get", "/subscribe?lang=fr&x=%00", 400, "fr"),
    ("get", "/nowhere?lang=en", 404, "en"),
    ("get", "/nowhere?lang=fr", 404, "fr"),
    ("put", "/subscribe?lang=en", 405, "en"),
    ("get", "/confirm/%00?lang=fr", 400, "fr"),
    ("get", "/preferences/not-a-token?lang=en", 400, "en"),
    ("post", "/unsubscribe/not-a-token?lang=fr", 400, "fr"),
    ("get", "/archive/%00?lang=fr", 400, "fr"),
    ("get", "/console/nowhere?lang=en", 404, "en"),
    ("get", "/console/login?lang=fr&next=%00", 400, "fr"),
])
def test_bad_paths_and_queries(web, method, path, status, language):
    answer = getattr(requests, method)(f"{web.url}{path}", timeout=10)
    check(answer, status, language, web.home)


def signed_in(web):
    http = requests.Session()
    token = token_of(http, f"{web.url}/console/login")
    http.post(f"{web.url}/console/login", timeout=10, data={
        "csrf_token": token, "email": "admin@example.org", "password": "correct horse battery"})
    return http, token_of(http, f"{web.url}/console/subscribers")


def test_console_login_and_search_with_nul(web):
    http = requests.Session()
    token = token_of(http, f"{web.url}/console/login")
    answer = http.post(f"{web.url}/console/login?lang=en", timeout=10, data={
        "csrf_token": token, "email": "admin\x00@example.org", "password": "x"})
    check(answer, 400, "en", web.home)
    http, _ = signed_in(web)
    answer = http.get(f"{web.url}/console/subscribers?q=a%00b", timeout=10)
    check(answer, 400, "fr", web.home)


def test_a_console_csv_with_a_huge_cell_names_the_upload_not_the_server(web):
    http, token = signed_in(web)
    body = "email,name\nok@example.org,Ok\nhuge@example.org," + "x" * 140_000 + "\n"
    answer = http.post(f"{web.url}/console/subscribers/import", timeout=30,
                       data={"csrf_token": token},
                       files={"file": ("mes abonnés.csv", body.encode(), "text/csv")})
    check(answer, 400, "fr", web.home)
    assert "mes abonnés.csv:3:" in answer.text and "131" in answer.text
    nul = "email,name\nnul@example.org,A\x00B\nfine@example.org,Fine\n"
    answer = http.post(f"{web.url}/console/subscribers/import", timeout=30,
                       data={"csrf_token": token},
                       files={"file": ("nul.csv", nul.encode(), "text/csv")})
    check(answer, 200, "fr", web.home)
    assert re.search(r"<td>2</td><td>nom</td>", answer.text)
