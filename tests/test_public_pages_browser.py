"""The public pages as a visitor sees them in Chromium, in French and English: the snippet on
a hostile host page, end pages that lead somewhere, the unsubscribe page before and after the
click, preferences that show the person's state, the archive's subscribe link, and the
confirmation email on a phone. Each page is checked with axe-core."""

from __future__ import annotations

import pytest
import requests

from mailer import db
from mailer.db import utcnow
from subscribers import tokens
from subscribers.confirmation import confirmation_message
from subscribers.models import Status, Subscriber
from tests.support.browser import axe_violations
from tests.support.webapp import SECRET, StaticSite, WebProcess

WORDS = {
    "fr": {"subscribe": "M'abonner", "email": "Adresse électronique", "check": "Vérifiez",
           "latest": "Lire le dernier numéro", "archive": "Parcourir les numéros précédents",
           "site": "Visiter le site du Réseau", "confirm_first": "Confirmez que vous ne",
           "unsubscribe": "Me désabonner", "unsubscribed": "Vous êtes désabonné·e",
           "already": "Vous êtes déjà désabonné·e", "resubscribe": "Me réabonner",
           "state_subscribed": "Vous recevez l'infolettre.",
           "state_unsubscribed": "Vous êtes désabonné·e : vous ne recevez plus"},
    "en": {"subscribe": "Subscribe", "email": "Email address", "check": "Check your inbox",
           "latest": "Read the latest issue", "archive": "Browse past issues",
           "site": "Visit the network's website", "confirm_first": "Confirm that you no",
           "unsubscribe": "Unsubscribe", "unsubscribed": "You are unsubscribed",
           "already": "You are already unsubscribed", "resubscribe": "Subscribe again",
           "state_subscribed": "You receive the newsletter.",
           "state_unsubscribed": "You are unsubscribed: you no longer receive"},
}
# A host page whose CSS would wreck a form that relied on it (themes and frameworks style
# bare elements and classes; none can outrank the snippet's own id).
HOSTILE = """<style>
body { font-size: 9px; color: #444; }
main label { display: inline; float: right; color: yellow; font-size: 9px; }
main form input { width: 20px; border: none; background: #000; font-size: 9px; }
main form { display: flex; flex-direction: row-reverse; }
main button { background: transparent; color: transparent; padding: 0; }
p { margin: 0; font-size: 9px; }
</style>"""


@pytest.fixture(scope="module")
def site_and_app(tmp_path_factory):
    home = tmp_path_factory.mktemp("public")
    site = StaticSite()
    web = WebProcess(home, site_origin=site.origin).start()
    yield web, site
    web.stop()
    site.stop()


def _subscriber(web, email, language, status=Status.SUBSCRIBED) -> tuple[int, str]:
    """A subscriber's id and link key."""
    with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
        row = Subscriber(email=email, language=language, status=status, confirmed_at=utcnow())
        session.add(row)
        session.flush()
        return row.id, row.link_key


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_snippet_keeps_its_looks_on_a_hostile_page(site_and_app, browser, language):
    web, site = site_and_app
    snippet = requests.get(f"{web.url}/subscribe/snippet?lang={language}", timeout=10).text
    assert "&#39;" not in snippet.split("-->")[0]  # the comment reads as written
    site.html = (f"<!doctype html><html lang='{language}'><title>Site</title>{HOSTILE}"
                 f"<main><h1>Site</h1>{snippet}</main>")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.origin + "/")
    label = page.locator("label[for=infolettre-email]").bounding_box()
    field = page.locator("#infolettre-email").bounding_box()
    assert label["y"] + label["height"] <= field["y"] + 1  # the label above its field
    assert field["width"] > 200
    assert page.locator("#infolettre-email").evaluate("e => getComputedStyle(e).fontSize") \
        == "16px"
    button = page.get_by_role("button", name=WORDS[language]["subscribe"])
    assert button.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    page.screenshot(path=str(web.log.parent / f"snippet-{language}.png"), full_page=True)
    context.close()
    page = browser.new_page()
    page.goto(site.origin + "/")
    assert axe_violations(page) == []
    page.get_by_label(WORDS[language]["email"]).fill(f"host-{language}@example.org")
    button = page.get_by_role("button", name=WORDS[language]["subscribe"])
    button.click()
    page.get_by_role("heading", name=WORDS[language]["check"]).wait_for()
    page.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_end_pages_lead_somewhere(site_and_app, page, language):
    web, site = site_and_app
    page.goto(f"{web.url}/subscribe?lang={language}")
    page.get_by_label(WORDS[language]["email"]).fill(f"end-{language}@example.org")
    page.get_by_role("button", name=WORDS[language]["subscribe"]).click()
    page.get_by_role("heading", name=WORDS[language]["check"]).wait_for()
    links = page.locator("nav.next a")
    assert links.all_inner_texts() == [WORDS[language]["archive"], WORDS[language]["site"]]
    assert links.nth(1).get_attribute("href") == site.origin
    assert axe_violations(page) == []
    page.get_by_role("link", name=WORDS[language]["archive"]).click()
    archive_subscribe = {"fr": "S'abonner", "en": "Subscribe"}[language]
    assert page.get_by_role("link", name=archive_subscribe).count() == 1
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_unsubscribe_says_what_happens_before_and_after(site_and_app, page, language):
    web, _site = site_and_app
    words = WORDS[language]
    person = _subscriber(web, f"leave-{language}@example.org", language)
    link = f"{web.url}/unsubscribe/{tokens.make(tokens.UNSUBSCRIBE, *person, secret=SECRET)}"
    page.goto(link)
    assert page.inner_text("main p >> nth=0").startswith(words["confirm_first"])
    assert axe_violations(page) == []
    page.get_by_role("button", name=words["unsubscribe"]).click()
    page.get_by_role("heading", name=words["unsubscribed"]).wait_for()
    assert page.locator("nav.next a").count() == 2
    assert axe_violations(page) == []
    page.goto(link)  # later, the same link: already done, and the way back
    assert page.locator("h1").inner_text() == words["already"]
    assert page.get_by_role("button", name=words["resubscribe"]).count() == 1

    preferences = tokens.make(tokens.PREFERENCES, *person, secret=SECRET)
    page.goto(f"{web.url}/preferences/{preferences}")
    assert words["state_unsubscribed"] in page.inner_text("#state")
    assert axe_violations(page) == []
    page.get_by_role("button", name=words["resubscribe"]).click()
    page.goto(f"{web.url}/preferences/{preferences}")
    assert words["state_subscribed"] in page.inner_text("#state")
    leave = page.get_by_role("button", name=words["unsubscribe"])
    save = page.locator("form button").nth(0)
    style = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]"
    assert leave.evaluate(style) != save.evaluate(style)  # leaving does not look like saving
    page.screenshot(path=str(web.log.parent / f"preferences-{language}.png"), full_page=True)
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_reader_the_list_stopped_mailing_is_told_whom_to_write_to(site_and_app, page,
                                                                    language):
    web, _site = site_and_app
    for status in (Status.BOUNCED, Status.COMPLAINED):
        person = _subscriber(web, f"{status}-{language}@example.org", language, status)
        page.goto(f"{web.url}/preferences/"
                  f"{tokens.make(tokens.PREFERENCES, *person, secret=SECRET)}")
        write = page.locator("#state a[href^='mailto:']")
        assert write.inner_text() == "info@reseaucitesdesmetiers.example"
        assert page.inner_text("#state").rstrip().endswith(
            "info@reseaucitesdesmetiers.example")
        assert axe_violations(page) == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_confirmation_email_is_branded_and_fits_a_phone(site_and_app, browser, language,
                                                             monkeypatch):
    web, _site = site_and_app
    for key in ("INFOLETTRE_SECRET_KEY", "INFOLETTRE_BASE_URL"):
        monkeypatch.setenv(key, web.env[key])
    from mailer.settings import get_settings

    get_settings.cache_clear()
    try:
        message = confirmation_message(Subscriber(id=1, email="phone@example.org",
                                                  language=language, name="Zoé"))
    finally:
        get_settings.cache_clear()
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True).decode()
    assert f'lang="{language}"' in body and "#1d3a6e" in body  # the newsletter's colours
    page = browser.new_page(viewport={"width": 375, "height": 700})
    page.set_content(body)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("a", has_text=str(message["Subject"])[:0]).count() >= 1
    page.screenshot(path=str(web.log.parent / f"confirmation-{language}.png"), full_page=True)
    assert axe_violations(page) == []
    page.close()


def test_a_visitor_on_a_phone_walks_every_public_page(site_and_app, browser):
    """375 px wide, in French: signup, check, confirm, confirmed, archive, preferences,
    unsubscribe, unsubscribed: nothing wider than the screen, every button big enough to
    touch (WCAG 2.5.8: 24 px), axe-core clean."""
    web, _site = site_and_app
    page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True,
                            has_touch=True)

    def fits(name: str) -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
        for box in page.locator("button:visible, input:visible, select:visible").all():
            assert box.bounding_box()["height"] >= 24, name
        assert axe_violations(page) == [], name

    page.goto(f"{web.url}/subscribe?lang=fr")
    fits("signup")
    page.get_by_label(WORDS["fr"]["email"]).fill("telephone@example.org")
    page.get_by_role("button", name=WORDS["fr"]["subscribe"]).click()
    page.get_by_role("heading", name=WORDS["fr"]["check"]).wait_for()
    fits("check")
    person = _subscriber(web, "pouce@example.org", "fr", Status.PENDING)
    page.goto(f"{web.url}/confirm/{tokens.make(tokens.CONFIRM, *person, secret=SECRET)}")
    fits("confirm")
    page.get_by_role("button", name="Confirmer mon abonnement").click()
    page.get_by_role("heading", name="Merci, votre abonnement est confirmé").wait_for()
    fits("confirmed")
    page.get_by_role("link", name=WORDS["fr"]["archive"]).click()
    fits("archive")
    page.goto(f"{web.url}/preferences/{tokens.make(tokens.PREFERENCES, *person, secret=SECRET)}")
    fits("preferences")
    page.goto(f"{web.url}/unsubscribe/{tokens.make(tokens.UNSUBSCRIBE, *person, secret=SECRET)}")
    fits("unsubscribe")
    page.get_by_role("button", name=WORDS["fr"]["unsubscribe"]).click()
    page.get_by_role("heading", name=WORDS["fr"]["unsubscribed"]).wait_for()
    fits("unsubscribed")
    page.close()
