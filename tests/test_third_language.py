"""A third language needs no code: an administrator turns German on at run time (its code in
INFOLETTRE_LANGUAGES, partial catalogues in INFOLETTRE_CATALOGUES_DIR) and a reader walks
signup → confirmation → issue → preferences → unsubscribe in German, in a real Chromium with
a real worker and SMTP server. What German lacks comes in English (the fallback language),
marked lang="en", never in French; the issues sent before German was added stay valid."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from mailer import db
from subscribers.models import Status, Subscriber
from tests.console.test_access import ROOT, add_staff, sign_in
from tests.support.browser import axe_violations
from tests.support.webapp import CeleryWorker, WebProcess
from workers.models import Campaign, CampaignEdition, CampaignState

# Deliberately partial: whatever is missing must come from English, marked as English.
PAGES_DE = {
    "signup_title": "Abonnieren Sie den Newsletter",
    "email_label": "E-Mail-Adresse",
    "subscribe_button": "Abonnieren",
    "check_title": "Prüfen Sie Ihren Posteingang",
    "confirmed_title": "Danke, Ihr Abonnement ist bestätigt",
    "confirmed_text": "Sie erhalten die nächste Ausgabe auf {language}.",
    "mail_subject": "Bestätigen Sie Ihr Abonnement",
    "mail_greeting": "Hallo {name},",
    "mail_button": "Abonnement bestätigen",
    "preferences_title": "Ihre Einstellungen",
    "unsubscribe_title": "Vom Newsletter abmelden",
    "unsubscribe_button": "Abmelden",
    "unsubscribed_title": "Sie sind abgemeldet",
}
EMAIL_DE = {"locale": "de_DE", "unsubscribe": "Abmelden", "preferences": "Einstellungen",
            "view_online": "Online ansehen"}


def _write(folder: Path, family: str, words: dict) -> None:
    (folder / family).mkdir(parents=True, exist_ok=True)
    (folder / family / "de.yaml").write_text(yaml.safe_dump(words, allow_unicode=True),
                                             encoding="utf-8")


@pytest.fixture
def german(tmp_path, smtp_server):
    catalogues, issues = tmp_path / "catalogues", tmp_path / "issues"
    _write(catalogues, "pages", PAGES_DE)
    _write(catalogues, "email", EMAIL_DE)
    issues.mkdir()
    # 091 went out in French and English before German existed; 092 is written after.
    (issues / "091.yaml").write_text((ROOT / "issues" / "091.yaml").read_text("utf-8"), "utf-8")
    new = yaml.safe_load((ROOT / "issues" / "091.yaml").read_text("utf-8"))
    new["number"], new["fallbacks"] = 92, {"de": "en"}
    new["title"]["de"] = "Der Newsletter des Netzwerks — Winter 2026"
    (issues / "092.yaml").write_text(yaml.safe_dump(new, allow_unicode=True), "utf-8")
    web = WebProcess(tmp_path / "home", languages=json.dumps(["fr", "en", "de"]),
                     catalogues_dir=str(catalogues), issues_dir=str(issues),
                     smtp_url=smtp_server.url)
    add_staff(web.env, "editor@example.org", "editor")
    db.upgrade(web.env["INFOLETTRE_DATABASE_URL"])
    with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
        sent = Campaign(slug="091", state=CampaignState.DONE, started_at=_now(),
                        finished_at=_now())
        session.add(sent)
        session.flush()
        session.add_all(CampaignEdition(campaign_id=sent.id, language=code, subject=code,
                                        html="", text="", web_html="") for code in ("fr", "en"))
    worker = CeleryWorker(web.env, tmp_path / "worker.log").start()
    web.start()
    yield web, issues
    web.stop()
    worker.stop()


def _now():
    from mailer.db import utcnow

    return utcnow()


def _text(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset())


def _html(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    return part.get_payload(decode=True).decode(part.get_content_charset())


def _status(web, email):
    with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
        return session.scalar(select(Subscriber.status).where(Subscriber.email == email))


def test_german_added_at_run_time_walks_every_step(german, smtp_server, page):
    web, issues = german
    # Signup: German words, English (marked) where German has none, "Deutsch" from Babel.
    page.goto(f"{web.url}/subscribe?lang=de")
    assert page.get_attribute("html", "lang") == "de"
    assert page.locator("h1").inner_text() == "Abonnieren Sie den Newsletter"
    assert page.locator("#language option:checked").inner_text() == "Deutsch"
    assert page.locator("label[for=name] span[lang=en]").inner_text() == "Name (optional)"
    assert "Français" not in page.locator("label, p, button").all_inner_texts()
    assert axe_violations(page) == []
    page.get_by_label("E-Mail-Adresse").fill("leser@example.de")
    page.get_by_label("Name (optional)").fill("Lea")
    page.get_by_role("button", name="Abonnieren").click()
    page.get_by_role("heading", name="Prüfen Sie Ihren Posteingang").wait_for(timeout=10_000)

    # The confirmation email: German, the fallback's sentences marked as English.
    mail = smtp_server.wait_for(1, timeout=30)[0]
    assert str(make_header(decode_header(mail["Subject"]))) == "Bestätigen Sie Ihr Abonnement"
    assert mail["Content-Language"] == "de"
    html = _html(mail)
    assert '<html lang="de"' in html and "Hallo Lea," in html
    assert '<span lang="en">This link is valid for seven days.</span>' in html
    link = re.search(re.escape(web.url) + r"/confirm/\S+", _text(mail)).group(0)
    page.goto(link)  # one button, in the fallback's words where German has none yet
    assert page.locator("h1").inner_text() == "Confirm your subscription"
    page.get_by_role("button", name="Confirm my subscription").click()
    page.get_by_role("heading", name="Danke, Ihr Abonnement ist bestätigt").wait_for(
        timeout=10_000)
    assert "Sie erhalten die nächste Ausgabe auf Deutsch." in page.inner_text("main")
    assert _status(web, "leser@example.de") == Status.SUBSCRIBED

    # The issue written after German was added goes out in German; the one sent before
    # stays valid on the console's home page.
    sent = subprocess.run([sys.executable, "-m", "mailer", "send", str(issues / "092.yaml"),
                           "--yes"], env=web.env, capture_output=True, text=True, timeout=120)
    assert sent.returncode == 0, sent.stderr
    issue = smtp_server.wait_for(2, timeout=60)[1]
    assert str(make_header(decode_header(issue["Subject"]))).startswith("Der Newsletter")
    html = _html(issue)
    assert ">Abmelden</a>" in html and '<span lang="en">Agenda</span>' in html
    assert "décembre" not in html and "Dezember" in html  # dates written the German way
    # The issue's own fallback (de: en): its English texts carry their own lang.
    assert re.search(r'<div lang="en">\s*<p[^>]*>Dear members', html)
    assert '<span lang="en">Executive Committee</span>' in html
    text = _text(issue)
    preferences = re.search(re.escape(web.url) + r"/preferences/\S+", text).group(0)
    unsubscribe = re.search(re.escape(web.url) + r"/unsubscribe/\S+", text).group(0)
    online = re.search(re.escape(web.url) + r"/archive/\S+", text).group(0)

    page.goto(online)  # the issue on the web, as the email's "Online ansehen" leads
    assert page.get_attribute("html", "lang") == "de"
    assert page.locator("h1").inner_text() == "Der Newsletter des Netzwerks — Winter 2026"
    assert page.locator("h3[id=article-1] span[lang=en]").count() == 1
    assert axe_violations(page) == []

    page.goto(preferences)
    assert page.locator("h1").inner_text() == "Ihre Einstellungen"
    assert page.locator("#language option:checked").inner_text() == "Deutsch"
    assert axe_violations(page) == []
    page.locator("form:has(#language) button").click()  # saved, said in the fallback's words
    page.get_by_role("status").wait_for(timeout=10_000)
    assert page.locator("[role=status] span[lang=en]").inner_text() == \
        "Your preferences are saved."
    assert page.locator("#language option:checked").inner_text() == "Deutsch"
    page.goto(unsubscribe)
    assert page.locator("h1").inner_text() == "Vom Newsletter abmelden"
    assert axe_violations(page) == []
    page.get_by_role("button", name="Abmelden").click()
    page.get_by_role("heading", name="Sie sind abgemeldet").wait_for(timeout=10_000)
    assert _status(web, "leser@example.de") == Status.UNSUBSCRIBED

    sign_in(page, web, "editor@example.org")
    rows = page.locator("#issues tbody tr")
    assert rows.count() == 2
    assert "problème" not in rows.nth(1).inner_text()  # 091, sent in fr and en only
    assert axe_violations(page) == []


def test_a_language_without_any_catalogue_falls_back_to_english(tmp_path):
    """German on, no German file at all: the public pages are English, never French."""
    web = WebProcess(tmp_path, languages=json.dumps(["fr", "en", "de"])).start()
    try:
        import requests

        answer = requests.get(f"{web.url}/subscribe?lang=de", timeout=10)
        assert answer.headers["Content-Language"] == "en"
        assert '<html lang="en">' in answer.text and "Subscribe to the newsletter" in answer.text
        assert '<option value="de" lang="de" selected>Deutsch</option>' in answer.text
        snippet = requests.get(f"{web.url}/subscribe/snippet?lang=de", timeout=10).text
        assert 'lang="en"' in snippet and 'name="language" value="de"' in snippet
    finally:
        web.stop()
