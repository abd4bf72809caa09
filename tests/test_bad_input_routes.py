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


def test_a_refusal_before_any_view_is_in_the_signed_in_members_language(web, postgres_server):
    # A NUL in a form field is refused before the view looks the member up: the page was in
    # the default language (French) for a member who reads English.
    from sqlalchemy import create_engine, text

    add_staff(web.env, "reader@example.org", "admin")
    engine = create_engine(web.env["INFOLETTRE_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE staff_member SET language = 'en' "
                          "WHERE email = 'reader@example.org'"))
    engine.dispose()
    http = requests.Session()
    token = token_of(http, f"{web.url}/console/login")
    http.post(f"{web.url}/console/login", timeout=10, data={
        "csrf_token": token, "email": "reader@example.org", "password": "correct horse battery"})
    token = token_of(http, f"{web.url}/console/subscribers")
    answer = http.post(f"{web.url}/console/bounces/12", timeout=10,
                       data={"csrf_token": token, "recipient": "x\x00y@example.org"})
    check(answer, 400, "en", web.home)
    check(http.get(f"{web.url}/console/no-such-page", timeout=10), 404, "en", web.home)


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
    assert re.search(r"<td>2</td><td>name</td>", answer.text)  # the file's own heading


@pytest.mark.parametrize(("body", "kind"), [
    (b'["lea@example.org"]', "an array"), (b"7", "a number"), (b"null", "null"),
    (b'"lea@example.org"', "a string"), (b"true", "true or false")])
def test_a_json_signup_that_is_not_an_object_is_a_400_saying_what_to_send(web, body, kind):
    # An array was answered 415, as if the content type were wrong.
    answer = requests.post(f"{web.url}/api/subscribe", data=body, timeout=10,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json() == {"error": "body", "message": (
        f'expected a JSON object with an "email" field, not {kind}: send e.g. {{"email": '
        '"lea@example.org", "language": "fr", "name": "Léa"}')}


@pytest.mark.parametrize(("body", "status", "words"), [
    (b'{"email": "lea@example.org"', 400, "the body is not JSON (Expecting ',' delimiter at "
                                          "character 28)"),
    (b'{"email": "l\xe9a@example.org"}', 400, "the body is not UTF-8 (byte 13)"),
    (b"", 400, "the body is not JSON"),
])
def test_a_json_signup_body_that_cannot_be_read_is_a_400_in_words(web, body, status, words):
    answer = requests.post(f"{web.url}/api/subscribe", data=body, timeout=10,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == status and answer.json()["error"] == "body"
    assert answer.json()["message"].startswith(words), answer.json()


def test_a_json_signup_of_another_type_or_too_large_says_so_in_json(web):
    plain = requests.post(f"{web.url}/api/subscribe", data="email=a@example.org", timeout=10,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert plain.status_code == 415 and plain.json()["error"] == "content_type"
    assert plain.json()["message"].startswith(
        "send the body as JSON with Content-Type: application/json (this one is "
        "application/x-www-form-urlencoded)")
    huge = requests.post(f"{web.url}/api/subscribe?lang=en", timeout=10,
                         json={"email": "big@example.org", "name": "x" * 100_000})
    assert huge.status_code == 413
    assert huge.json() == {"error": "too_large",
                           "message": "What you sent is too large; nothing was changed."}


def test_a_signup_name_with_an_invisible_character_is_refused_saying_which(web):
    json = requests.post(f"{web.url}/api/subscribe?lang=en", timeout=10, json={
        "email": "rlo@example.org", "name": "Eve \u202eroot", "language": "en"})
    assert json.status_code == 400 and json.json()["error"] == "name"
    assert "U+202E (right-to-left override) at character 5" in json.json()["message"]
    http = requests.Session()
    token = token_of(http, f"{web.url}/subscribe?lang=en")
    answer = http.post(f"{web.url}/subscribe", timeout=10, data={
        "csrf_token": token, "email": "zwsp@example.org", "name": "Zoé\u200b", "language": "en"})
    check(answer, 400, "en", web.home)
    assert "U+200B (zero-width space) at character 4" in answer.text


@pytest.mark.parametrize(("body", "key", "language", "message"), [
    # The address a person typed, then another: Python kept the last, another parser the
    # first; the confirmation went to one, the consent was recorded for the other.
    (b'{"email": "lea@example.org", "email": "eve@example.org", "language": "en"}', "email",
     "en", 'The field "email" is given twice; send each field once.'),
    (b'{"email": "lea@example.org", "language": "fr", "name": "L\xc3\xa9a", "name": "Eve"}',
     "name", "fr", "Le champ « name » figure deux fois ; envoyez chaque champ une seule "
                   "fois."),
    # The language itself twice: the page's ?lang= decides which words.
    (b'{"email": "lea@example.org", "language": "fr", "language": "en"}', "language", "en",
     'The field "language" is given twice; send each field once.'),
])
def test_a_json_signup_with_a_key_given_twice_is_a_400_naming_it(web, body, key, language,
                                                                  message):
    answer = requests.post(f"{web.url}/api/subscribe?lang=en", data=body, timeout=10,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json() == {"error": "duplicate_key", "key": key, "message": message,
                             "detail": f"the field {key!r} is given twice: send each field "
                                       "once"}


@pytest.mark.parametrize("path", ["/confirm/a.b.c", "/unsubscribe/a.b.c", "/preferences/a.b.c",
                                  "/unsubscribe/abcde.f/resubscribe"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_link_token_of_impossible_base64_is_a_400_page(web, path, method):
    if path.endswith("resubscribe") and method == "GET":
        return
    answer = requests.request(method, f"{web.url}{path}?lang=en", timeout=10)
    check(answer, 400, "en", web.home)
    # A form's POST without its CSRF token is refused before the token is read.
    assert "Nothing was changed" in answer.text or "The form expired" in answer.text


def test_a_signup_form_that_repeats_a_field_is_refused_naming_it(web):
    # The website's page around the snippet with its own "email" field: the first value was
    # taken, maybe the empty one, maybe somebody else's.
    http = requests.Session()
    token = token_of(http, f"{web.url}/subscribe?lang=fr")
    answer = http.post(f"{web.url}/subscribe", timeout=10, data=[
        ("csrf_token", token), ("email", "lea@example.org"), ("email", "eve@example.org"),
        ("language", "fr")])
    check(answer, 400, "fr", web.home)
    assert "Le champ « email » figure deux fois ; envoyez chaque champ une seule fois." in \
        answer.text.replace("&#34;", '"')


@pytest.mark.parametrize("filename", ["a\x00b.csv", "ligne\nà part.csv", "\u202etxt.csv",
                                      "x" * 300 + ".csv"])
def test_a_console_upload_named_with_control_characters_imports(web, filename):
    # The upload's name goes into the audit and into each row's consent source: a NUL there
    # is refused by PostgreSQL, after the file was checked.
    http, token = signed_in(web)
    address = f"named{len(filename)}-{ord(filename[1])}@example.org"
    answer = http.post(f"{web.url}/console/subscribers/import", timeout=30,
                       data={"csrf_token": token},
                       files={"file": (filename, f"email,consent_date\n{address},2026-01-02\n"
                                       .encode(), "text/csv")})
    check(answer, 200, "fr", web.home)
    assert "\x00" not in answer.text and "\u202e" not in answer.text
    assert "1 lignes" in answer.text or "1 ligne" in answer.text


@pytest.mark.parametrize("length", [4_200, 8_000])  # past web_errors.MAX_URL
@pytest.mark.parametrize(("accept", "language", "title"), [
    ("fr-FR,fr;q=0.9", "fr", "Lien trop long"), ("en-GB,en;q=0.8", "en", "Link too long")])
def test_an_over_long_url_is_our_414_page_in_the_readers_language(web, length, accept,
                                                                 language, title):
    # It was gunicorn's own bare English page ("Request Line is too large (8192 > 4094)").
    answer = requests.get(f"{web.url}/subscribe?x={'a' * length}", timeout=30,
                          headers={"Accept-Language": accept})
    check(answer, 414, language, web.home)
    assert title in answer.text and "Request Line" not in answer.text
    assert answer.headers["Content-Language"] == language
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_a_url_past_gunicorns_bound_is_a_414_too(web):
    # Past 8,190 bytes gunicorn answers before the app: its own page, but a 4xx.
    answer = requests.get(f"{web.url}/subscribe?x={'a' * 100_000}", timeout=30)
    assert answer.status_code == 414


@pytest.mark.parametrize("route", ["/confirm/{}", "/unsubscribe/{}", "/preferences/{}"])
@pytest.mark.parametrize("query", [
    "lang=" + "x" * 4_000, "&".join(f"k{n}=v" for n in range(700)),
    "lang=en&" + "a=" * 2_000, "lang=" + "%C3%A9" * 1_300, "x=" + "y" * 50_000])
def test_a_huge_query_on_a_link_answers_a_4xx_never_a_500(web, route, query):
    from mailer import db
    from subscribers import tokens
    from subscribers.models import Subscriber
    from tests.support.webapp import SECRET

    with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
        person = Subscriber(email=f"q{len(query)}-{route[1]}@example.org", language="fr")
        session.add(person)
        session.flush()
        purpose = {"c": tokens.CONFIRM, "u": tokens.UNSUBSCRIBE, "p": tokens.PREFERENCES}
        token = tokens.make(purpose[route[1]], person.id, person.link_key, secret=SECRET)
    for method in ("GET", "POST"):
        answer = requests.request(method, f"{web.url}{route.format(token)}?{query}",
                                  timeout=30)
        assert answer.status_code < 500, answer.text[:300]
        assert "Traceback" not in answer.text and str(web.home) not in answer.text
        if len(query) > 4_096:
            assert answer.status_code == 414


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(("field", "language", "words"), [
    ("name", "fr", "Le champ « name » contient des caractères qui ne sont pas du texte UTF-8"),
    ("email", "en", 'The field "email" holds characters that are not UTF-8 text'),
])
def test_a_signup_field_of_bytes_that_are_not_utf8_is_refused_naming_it(web, field, language,
                                                                        words):
    # `%ff%fe` posted by hand: Werkzeug re-quoted the bytes as the text "%FF%FE", which
    # the form stored as the person's name.
    http = requests.Session()
    token = token_of(http, f"{web.url}/subscribe?lang={language}")
    fields = {"name": "L%C3%A9a", "email": "utf8%40example.org", field: "%ff%fe"}
    body = f"csrf_token={token}&language={language}&" + "&".join(
        f"{key}={value}" for key, value in fields.items())
    answer = http.post(f"{web.url}/subscribe", data=body, headers=FORM, timeout=10)
    check(answer, 400, language, web.home)
    assert words in answer.text.replace("&#34;", '"')
    assert "%FF" not in answer.text and "\ufffd" not in answer.text


def test_a_multipart_signup_field_that_is_not_utf8_is_refused_too(web):
    # multipart/form-data: Werkzeug put U+FFFD for each byte that is not UTF-8.
    http = requests.Session()
    token = token_of(http, f"{web.url}/subscribe?lang=en")
    answer = http.post(f"{web.url}/subscribe", timeout=10, files={
        "csrf_token": (None, token), "email": (None, "multi@example.org"),
        "language": (None, "en"), "name": (None, b"Ann \xff\xfe")})
    check(answer, 400, "en", web.home)
    assert 'The field "name" holds characters that are not UTF-8 text' in \
        answer.text.replace("&#34;", '"')


@pytest.mark.parametrize(("disposition", "said"), [
    (b'form-data; name="n\xffame"', "n\\xffame"),  # a field name not UTF-8
    (b'form-data; name="photo"; filename="caf\xe9.jpg"', "photo"),  # a file name
])
def test_a_multipart_part_whose_name_is_not_utf8_is_refused_naming_it(web, disposition, said):
    # Werkzeug decodes a part's headers strictly and, failing, gave an empty form: "form
    # expired" (no CSRF token left), in the default language.
    http = requests.Session()
    token = token_of(http, f"{web.url}/subscribe?lang=en")
    body = b"".join(b"--XX\r\nContent-Disposition: " + head + b"\r\n\r\n" + value + b"\r\n"
                    for head, value in (
                        (b'form-data; name="csrf_token"', token.encode()),
                        (b'form-data; name="email"', b"parts@example.org"),
                        (disposition, b"x"))) + b"--XX--\r\n"
    answer = http.post(f"{web.url}/subscribe", data=body, timeout=10, headers={
        "Content-Type": "multipart/form-data; boundary=XX", "Accept-Language": "en"})
    check(answer, 400, "en", web.home)
    assert f'The field "{said}" holds characters that are not UTF-8 text' in \
        answer.text.replace("&#34;", '"')


def test_preferences_and_the_console_refuse_bytes_that_are_not_utf8(web):
    from mailer import db
    from subscribers.models import Status, Subscriber

    answer = requests.post(f"{web.url}/preferences/a.b.c?lang=en", data="language=%ff",
                           headers=FORM, timeout=10)
    check(answer, 400, "en", web.home)
    assert 'The field "language" holds characters' in answer.text.replace("&#34;", '"')
    with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
        person = Subscriber(email="utf8-edit@example.org", language="fr", name="Zoé",
                            status=Status.SUBSCRIBED)
        session.add(person)
        session.flush()
        number = person.id
    http, token = signed_in(web)
    answer = http.post(f"{web.url}/console/subscribers/{number}/edit", headers=FORM,
                       data=f"csrf_token={token}&name=Zo%e9&language=fr", timeout=10)
    check(answer, 400, "fr", web.home)
    assert "pas du texte UTF-8" in answer.text and "<strong>name</strong>" in answer.text
    with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
        assert session.get(Subscriber, number).name == "Zoé"
