"""The public archive: each sent issue's web page, an index and an Atom feed per language,
served by the real web app and read by a real Chromium."""

import xml.etree.ElementTree as ET

import requests
from sqlalchemy import select

from mailer import db
from mailer.db import utcnow
from mailer.render import render_file
from tests.render.conftest import FULL_EXAMPLE, PROGRAMME_EXAMPLE
from tests.support.browser import axe_violations
from tests.support.webapp import WebProcess
from workers import campaigns
from workers.models import Campaign, CampaignState


def test_archive_serves_sent_issues_not_test_sends(tmp_path, page):
    web = WebProcess(tmp_path / "home")
    url = web.env["INFOLETTRE_DATABASE_URL"]
    db.upgrade(url)
    editions = render_file(FULL_EXAMPLE)
    spring = render_file(PROGRAMME_EXAMPLE)
    with db.session_scope(url) as session:
        campaigns.create(session, editions).started_at = utcnow()  # sent: published
        campaigns.create(session, editions, test_to=["editor@example.org"])  # a test send
        # Cancelled halfway: not listed, but its readers' "view online" links still work.
        cancelled = campaigns.create(session, spring)
        cancelled.started_at, cancelled.state = utcnow(), CampaignState.CANCELLED
        session.commit()
        assert len(session.scalars(select(Campaign)).all()) == 3
    web.start()
    try:
        page.route("http*://www.reseaucitesdesmetiers.example/**", lambda route: route.abort())
        page.goto(f"{web.url}/archive/?lang=fr")
        assert page.locator("li").count() == 1
        assert axe_violations(page) == []
        page.click("text=L'infolettre du Réseau")
        assert page.url.endswith("/archive/091/fr")
        assert "Marseille ouvre ses portes" in page.inner_text("body")
        assert axe_violations(page) == []
        assert requests.get(f"{web.url}/archive/091/de", timeout=10).status_code == 404
        slug = next(iter(spring.values())).slug
        assert requests.get(f"{web.url}/archive/{slug}/fr", timeout=10).status_code == 200
        assert requests.get(f"{web.url}/archive/nope/fr", timeout=10).status_code == 404
        feed = requests.get(f"{web.url}/archive/feed.en.atom", timeout=10)
        assert feed.headers["Content-Type"].startswith("application/atom+xml")
        atom = "{http://www.w3.org/2005/Atom}"
        entries = ET.fromstring(feed.content).findall(f"{atom}entry")  # noqa: S314 (our own)
        assert [e.find(f"{atom}title").text for e in entries] == [editions["en"].subject]
        assert entries[0].find(f"{atom}link").get("href").endswith("/archive/091/en")
    finally:
        web.stop()


def test_one_entry_per_issue_number_whatever_its_files(tmp_path):
    """091.yaml sent, then 091-final.yaml (the same number): the archive lists the issue
    once, and the "view online" links of both sends show its newest version."""
    from dataclasses import replace

    web = WebProcess(tmp_path / "home")
    url = web.env["INFOLETTRE_DATABASE_URL"]
    db.upgrade(url)
    editions = render_file(FULL_EXAMPLE)
    final = {code: replace(edition, slug="091-final", web_html=f"<p>final {code}</p>")
             for code, edition in editions.items()}
    with db.session_scope(url) as session:
        first = campaigns.create(session, editions)
        first.started_at, first.state = utcnow(), CampaignState.DONE
        session.commit()
        campaigns.create(session, final).started_at = utcnow()
        session.commit()
    web.start()
    try:
        index = requests.get(f"{web.url}/archive/?lang=fr", timeout=10).text
        assert index.count("<li>") == 1 and "/archive/091-final/fr" in index
        for slug in ("091", "091-final"):
            page = requests.get(f"{web.url}/archive/{slug}/en", timeout=10)
            assert page.text == "<p>final en</p>"
        feed = requests.get(f"{web.url}/archive/feed.fr.atom", timeout=10).text
        assert feed.count("<entry>") == 1
    finally:
        web.stop()
