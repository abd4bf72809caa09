"""The public pages served by `infolettre web` (gunicorn) on 127.0.0.1, every bad input, with
a real Celery worker recording the signups it queues."""

from __future__ import annotations

import html
import re
import time

import pytest
import requests
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from mailer import db
from subscribers import tokens
from subscribers.models import Status, Subscriber
from tests.support.webapp import SECRET, CeleryWorker, WebProcess

SITE = "https://www.reseaucitesdesmetiers.example"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    home = tmp_path_factory.mktemp("web")
    server = WebProcess(
        home, site_origin=SITE, signup_limit_per_ip="1000/minute",
        signup_limit_per_address="1000/minute",
    ).start()
    server.db = server.env["INFOLETTRE_DATABASE_URL"]
    server.outbox = home / "outbox" / "new"
    worker = CeleryWorker(server.env, home / "worker.log").start()
    yield server
    worker.stop()
    server.stop()


def subscriber(web, email, wait=True):
    """The subscriber row, once the worker has recorded the signup (up to 20 s)."""
    deadline = time.monotonic() + (20 if wait else 0)
    while True:
        with db.session_scope(web.db) as session:
            row = session.scalar(select(Subscriber).where(Subscriber.email == email))
        if row is not None or time.monotonic() >= deadline:
            return row
        time.sleep(0.1)


def confirmations(web, email, expected, settle=1.0):
    """The confirmation emails sent to `email`, once `expected` are there and no more came
    for `settle` seconds."""
    def count():
        if not web.outbox.exists():
            return 0
        return sum(f"To: {email}".encode() in path.read_bytes() or
                   f"<{email}>".encode() in path.read_bytes() for path in web.outbox.iterdir())

    # A busy machine (a worker importing the renderer for its first confirmation) took
    # over 20 s once: waiting longer costs nothing when they are there.
    deadline = time.monotonic() + 60
    while count() < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(settle)
    return count()


def form_signup(web, email, name="", language="fr", session=None, **extra):
    """Sign up as a browser does: get the form (cookie + CSRF token), then post it."""
    session = session or requests.Session()
    page = session.get(f"{web.url}/subscribe?lang={language}", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    data = {"csrf_token": token, "email": email, "name": name, "language": language, **extra}
    return session.post(f"{web.url}/subscribe", data=data, timeout=10)


def test_signup_makes_a_pending_subscriber_and_sends_one_email(web):
    answer = form_signup(web, "Lea@Example.org", "Léa", "fr")
    assert answer.status_code == 200 and "Vérifiez votre boîte" in answer.text
    lea = subscriber(web, "lea@example.org")
    assert (lea.status, lea.language, lea.name) == (Status.PENDING, "fr", "Léa")
    assert lea.consent_source == "web:form" and lea.consent_ip == "127.0.0.1"
    assert "J'accepte" in lea.consent_text
    assert confirmations(web, "lea@example.org", 1) == 1


def test_duplicate_signup_is_not_revealed_and_resends_a_few_times(web):
    first = form_signup(web, "dup@example.org", language="en")
    answers = [form_signup(web, "dup@example.org", language="en") for _ in range(4)]
    assert {(a.status_code, a.text) for a in answers} == {(first.status_code, first.text)}
    assert confirmations(web, "dup@example.org", 3) == 3  # three confirmations an hour


def test_honeypot_filled_records_nothing(web):
    answer = form_signup(web, "bot@example.org", website="http://spam.example")
    assert answer.status_code == 200
    assert subscriber(web, "bot@example.org", wait=False) is None


def test_csrf_token_missing_is_refused(web):
    answer = requests.post(
        f"{web.url}/subscribe", data={"email": "csrf@example.org", "language": "en"}, timeout=10
    )
    assert answer.status_code == 400 and "Form expired" in answer.text
    assert subscriber(web, "csrf@example.org", wait=False) is None


def test_snippet_from_the_site_origin_needs_no_token(web):
    snippet = requests.get(f"{web.url}/subscribe/snippet?lang=en", timeout=10).text
    assert f'action="{web.url}/subscribe"' in snippet and "csrf" not in snippet
    answer = requests.post(
        f"{web.url}/subscribe", headers={"Origin": SITE},
        data={"email": "site@example.org", "language": "en", "source": "website"}, timeout=10,
    )
    assert answer.status_code == 200
    assert subscriber(web, "site@example.org").consent_source == "web:website"


@pytest.mark.parametrize(
    ("email", "name", "field"),
    [
        ("inject@example.org", "Eve\r\nBcc: victim@example.org", "nom"),
        ("inject@example.org\r\nBcc: victim@example.org", "", "adresse"),
        ("not-an-address", "", "adresse"),
    ],
)
def test_bad_fields_are_refused_with_a_reason(web, email, name, field):
    answer = form_signup(web, email, name)
    assert answer.status_code == 400 and 'role="alert"' in answer.text
    assert field in answer.text.lower()
    with db.session_scope(web.db) as session:
        assert session.scalar(select(Subscriber).where(Subscriber.email.like("%inject%"))) is None


def test_json_signup_with_cors_for_the_site_only(web):
    url = f"{web.url}/api/subscribe"
    preflight = requests.options(url, headers={"Origin": SITE}, timeout=10)
    assert preflight.headers["Access-Control-Allow-Origin"] == SITE
    answer = requests.post(
        url, json={"email": "js@example.org", "language": "en"}, headers={"Origin": SITE},
        timeout=10,
    )
    assert answer.status_code == 202 and answer.json()["status"] == "ok"
    assert answer.headers["Access-Control-Allow-Origin"] == SITE
    other = requests.options(url, headers={"Origin": "https://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in other.headers
    # A form-encoded or text/plain body (no preflight) is not read at all.
    plain = requests.post(url, data='{"email": "x@example.org"}', timeout=10,
                          headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    bad = requests.post(url, json={"email": "a\nb@example.org"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["error"] == "email"
    odd = requests.post(url, json={"email": "odd@example.org", "language": 7, "name": [1]},
                        timeout=10)
    assert odd.status_code == 400 and odd.json()["error"] == "language"
    klingon = requests.post(url, json={"email": "k@example.org", "language": "tlh"}, timeout=10)
    assert klingon.json()["detail"] == "(fr, en)"  # it said "not one of ['fr', 'en']"
    assert requests.post(url, json=["not", "an", "object"], timeout=10).status_code == 400
    assert subscriber(web, "js@example.org").status == Status.PENDING


def test_confirm_link_subscribes_by_its_button_and_thanks_in_the_chosen_language(web):
    form_signup(web, "conf@example.org", language="en")
    conf = subscriber(web, "conf@example.org")
    token = tokens.make(tokens.CONFIRM, conf.id, conf.link_key, secret=SECRET)
    link = f"{web.url}/confirm/{token}"
    # What a mail scanner does (GET, HEAD) shows the page and changes nothing.
    shown = requests.get(link, timeout=10)
    assert shown.status_code == 200 and "Confirm my subscription" in shown.text
    assert requests.head(link, timeout=10).status_code == 200
    assert subscriber(web, "conf@example.org").status == Status.PENDING
    answer = requests.post(link, timeout=10)
    assert answer.status_code == 200 and "subscription is confirmed" in answer.text
    assert answer.headers["Content-Language"] == "en"
    assert subscriber(web, "conf@example.org").status == Status.SUBSCRIBED


class _EightDaysAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - tokens.CONFIRM_MAX_AGE - 60


def test_tampered_and_expired_tokens_change_nothing(web):
    form_signup(web, "tok@example.org", language="fr")
    tok = subscriber(web, "tok@example.org")
    good = tokens.make(tokens.CONFIRM, tok.id, tok.link_key, secret=SECRET)
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    old = URLSafeTimedSerializer(SECRET, salt=f"{tokens.CONFIRM}:{tok.link_key}",
                                 signer=_EightDaysAgo)
    expired = old.dumps(tok.id)
    other_purpose = tokens.make(tokens.UNSUBSCRIBE, tok.id, tok.link_key, secret=SECRET)
    for path, status in [
        (f"/confirm/{tampered}", 400), (f"/confirm/{expired}", 410),
        (f"/confirm/{other_purpose}", 400), (f"/confirm/{tok.id}", 400),
        (f"/unsubscribe/{good}", 400), (f"/preferences/{good}", 400),
    ]:
        answer = requests.get(web.url + path, timeout=10)
        assert answer.status_code == status, path
        text = html.unescape(answer.text)
        assert "Rien n'a été changé" in text or "Nothing was changed" in text
    assert requests.post(f"{web.url}/unsubscribe/{tampered}", timeout=10).status_code == 400
    assert requests.post(f"{web.url}/confirm/{tampered}", timeout=10).status_code == 400
    assert subscriber(web, "tok@example.org").status == Status.PENDING


def _subscribed(web, email, language="en"):
    form_signup(web, email, language=language)
    sub = subscriber(web, email)
    token = tokens.make(tokens.CONFIRM, sub.id, sub.link_key, secret=SECRET)
    requests.post(f"{web.url}/confirm/{token}", timeout=10)
    return sub


def test_one_click_post_unsubscribes_without_cookie_or_token(web):
    sub = _subscribed(web, "oneclick@example.org")
    token = tokens.make(tokens.UNSUBSCRIBE, sub.id, sub.link_key, secret=SECRET)
    url = f"{web.url}/unsubscribe/{token}"
    # A link scanner's GET shows the page and changes nothing.
    shown = requests.get(url, timeout=10)
    assert shown.status_code == 200 and shown.headers["Referrer-Policy"] == "no-referrer"
    assert shown.headers["X-Frame-Options"] == "DENY"
    assert subscriber(web, "oneclick@example.org").status == Status.SUBSCRIBED
    # RFC 8058: what a mailbox provider sends, with no cookie and no CSRF token.
    answer = requests.post(url, data="List-Unsubscribe=One-Click", timeout=10,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200
    assert subscriber(web, "oneclick@example.org").status == Status.UNSUBSCRIBED


def test_preferences_change_the_language(web):
    sub = _subscribed(web, "prefs@example.org", "fr")
    session = requests.Session()
    token = tokens.make(tokens.PREFERENCES, sub.id, sub.link_key, secret=SECRET)
    url = f"{web.url}/preferences/{token}"
    page = session.get(url, timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert session.post(url, data={"language": "xx", "csrf_token": token},
                        timeout=10).status_code == 400
    no_token = requests.post(url, data={"language": "en"}, timeout=10)
    assert no_token.status_code == 400 and "Form expired" in no_token.text
    answer = session.post(url, data={"language": "en", "csrf_token": token}, timeout=10)
    assert answer.status_code == 200 and "preferences are saved" in answer.text
    assert subscriber(web, "prefs@example.org").language == "en"
    # A form without its language was saved as the default one (fr).
    empty = session.post(url, data={"csrf_token": token}, timeout=10)
    assert empty.status_code == 400 and "preferences are saved" not in empty.text
    assert subscriber(web, "prefs@example.org").language == "en"


def test_preferences_refuse_a_language_given_twice_as_the_signup_does(web):
    # Posted by hand: Werkzeug took the first value and saved it, where the signup form
    # refuses a field given twice.
    sub = _subscribed(web, "prefs-twice@example.org", "fr")
    session = requests.Session()
    url = f"{web.url}/preferences/" + tokens.make(tokens.PREFERENCES, sub.id, sub.link_key,
                                                   secret=SECRET)
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(url, timeout=10).text)[1]
    answer = session.post(url, timeout=10, data=[
        ("csrf_token", token), ("language", "en"), ("language", "fr")])
    assert answer.status_code == 400 and 'lang="fr"' in answer.text
    error = re.search(r'<p class="error" role="alert">([^<]*)</p>', answer.text)[1]
    assert html.unescape(error) == ("Le champ « language » figure deux fois ; envoyez chaque "
                                    "champ une seule fois.")
    assert "{" not in error and "préférences sont enregistrées" not in answer.text
    assert subscriber(web, "prefs-twice@example.org").language == "fr"


def test_rate_limits_per_ip_and_per_address(tmp_path):
    server = WebProcess(
        tmp_path, signup_limit_per_ip="4/minute", signup_limit_per_address="2/hour"
    ).start()
    try:
        session = requests.Session()
        codes = [form_signup(server, "same@example.org", session=session).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 429]  # per address
        assert form_signup(server, "other@example.org", session=session).status_code == 200
        answer = form_signup(server, "third@example.org", session=session)
        assert answer.status_code == 429 and "Trop de demandes" in answer.text  # per IP
        api = requests.post(f"{server.url}/api/subscribe", json={"email": "x@example.org"},
                            timeout=10)
        assert api.status_code == 429 and api.json()["error"] == "rate_limited"
        # CORS preflights cost nothing: they still pass once the budget is spent.
        preflights = {requests.options(f"{server.url}/api/subscribe", timeout=10).status_code
                      for _ in range(6)}
        assert preflights == {204}
    finally:
        server.stop()


def test_rate_limit_is_shared_through_redis_by_every_worker(tmp_path, redis_server):
    server = WebProcess(
        tmp_path, workers=2, redis_url=redis_server.url,
        signup_limit_per_ip="1000/minute", signup_limit_per_address="3/hour",
    ).start()
    try:
        codes = [form_signup(server, "shared@example.org").status_code for _ in range(6)]
        assert sorted(codes) == [200, 200, 200, 429, 429, 429]
    finally:
        server.stop()


def test_pages_speak_the_visitors_language(web):
    french = requests.get(f"{web.url}/subscribe", timeout=10)
    assert '<html lang="fr">' in french.text and "Abonnez-vous" in french.text
    english = requests.get(f"{web.url}/subscribe", headers={"Accept-Language": "en-GB,en;q=0.8"},
                           timeout=10)
    assert '<html lang="en">' in english.text and english.headers["Content-Language"] == "en"
    assert '<html lang="fr">' in requests.get(f"{web.url}/subscribe?lang=fr", timeout=10,
                                              headers={"Accept-Language": "en"}).text


def test_a_french_json_signup_error_is_french_whole(web):
    """The English detail stays apart from a French message (it was appended to it, and a
    label that ends on ':' before the address it shows ended the message on ':')."""
    answer = requests.post(f"{web.url}/api/subscribe", timeout=10,
                           json={"email": "pas une adresse", "language": "fr"})
    body = answer.json()
    assert answer.status_code == 400 and body["error"] == "email"
    assert body["message"] == "L'adresse électronique n'est pas valide." and body["detail"]


@pytest.mark.parametrize(("body", "email", "source"), [
    # An object where the website's form name goes: stored as the text "{'a': 1}".
    ({"email": "src-object@example.org", "source": {"a": 1}}, "src-object@example.org",
     "web:json"),
    # A NUL (PostgreSQL refuses it: the worker failed and the signup was lost) or a line
    # break (one consent record read as two lines).
    ({"email": "src-nul@example.org", "source": "salon\x00"}, "src-nul@example.org",
     "web:json"),
    ({"email": "src-line@example.org", "source": "salon\r\nX"}, "src-line@example.org",
     "web:json"),
    ({"email": "src-ok@example.org", "source": " salon Lyon "}, "src-ok@example.org",
     "web:salon Lyon"),
])
def test_a_json_signups_source_that_is_not_one_line_of_text_is_the_default(web, body, email,
                                                                          source):
    answer = requests.post(f"{web.url}/api/subscribe", json=body, timeout=10)
    assert answer.status_code == 202
    assert subscriber(web, email).consent_source == source


def test_a_json_signup_with_a_byte_order_mark_is_read(web):
    # RFC 8259 8.1 lets a parser ignore it; .NET and PowerShell clients send one.
    answer = requests.post(f"{web.url}/api/subscribe", timeout=10,
                           data='\ufeff{"email": "bom@example.org"}'.encode(),
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 202, answer.text
    assert subscriber(web, "bom@example.org").status == Status.PENDING


def test_a_json_signup_in_the_browsers_language_tag_is_taken(web):
    # A website's script sends navigator.language: "fr-CA" was refused with a 400.
    answer = requests.post(f"{web.url}/api/subscribe", timeout=10,
                           json={"email": "navigator@example.org", "language": "fr-CA"})
    assert answer.status_code == 202, answer.text
    assert subscriber(web, "navigator@example.org").language == "fr"


LONG_LOCAL = "a" * 65 + "@example.org"  # RFC 5321 4.5.3.1.1: 64 octets before the @


def test_an_address_too_long_before_the_at_is_refused_on_the_form_and_by_json(web):
    # email-validator checks 64 only in its strict mode: 65 letters were accepted.
    page = requests.post(f"{web.url}/subscribe", timeout=10,
                         data={"email": LONG_LOCAL, "language": "fr"},
                         headers={"Origin": SITE})
    assert page.status_code == 400
    assert ("L'adresse électronique est trop longue avant le @ (65 octets, 64 au plus) : "
            "vérifiez-la.") in html.unescape(page.text)
    assert re.search(r'id="email"[^>]*aria-invalid="true"', page.text, re.S)
    for language, message in (
            ("fr", "L'adresse électronique est trop longue avant le @ (65 octets, 64 au "
                   "plus) : vérifiez-la."),
            ("en", "The email address is too long before the @ (65 bytes, at most 64): "
                   "check it.")):
        answer = requests.post(f"{web.url}/api/subscribe", timeout=10,
                               json={"email": LONG_LOCAL, "language": language})
        assert answer.status_code == 400
        assert answer.json() == {"error": "email", "message": message, "detail": ""}
    accented = requests.post(f"{web.url}/api/subscribe", timeout=10,  # 33 é are 66 bytes
                             json={"email": "é" * 33 + "@example.org", "language": "en"})
    assert accented.status_code == 400 and "(66 bytes" in accented.json()["message"]
    assert requests.post(f"{web.url}/api/subscribe", timeout=10, json={
        "email": "b" * 64 + "@example.org"}).status_code == 202


def test_a_json_number_past_pythons_digit_limit_is_named(web):
    # int() refuses more than 4,300 digits with a ValueError: "the body is not JSON".
    answer = requests.post(f"{web.url}/api/subscribe", timeout=10,
                           data='{"email": "n@example.org", "age": ' + "9" * 5000 + "}",
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json() == {"error": "body", "message": (
        "the body holds a number of 5,000 digits, more than the 4,300 this server reads; no "
        'field of a signup is a number: send e.g. {"email": "lea@example.org", "language": '
        '"fr", "name": "Léa"}')}
    small = requests.post(f"{web.url}/api/subscribe", timeout=10,
                          json={"email": "n@example.org", "age": 10 ** 40})
    assert small.status_code == 202, small.text


def test_a_json_body_nested_thousands_deep_is_a_400(web):
    # json.loads raised RecursionError: a 500.
    answer = requests.post(f"{web.url}/api/subscribe", timeout=10, data="[" * 20_000,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("the body nests arrays or objects thousands "
                                               "deep; a signup is one object of text fields")
