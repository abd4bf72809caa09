"""End to end: Chromium fills the form, a real Celery worker mails the confirmation to a
real SMTP server, Chromium follows the link; then unsubscribes and comes back by the page."""

from __future__ import annotations

import json
import re
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from sqlalchemy import select

from mailer import db
from subscribers.models import Status, Subscriber
from tests.support.webapp import CeleryWorker, WebProcess

AXE = Path(__file__).parents[1] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def stack(tmp_path, smtp_server):
    web = WebProcess(tmp_path).start()
    worker = CeleryWorker({**web.env, "INFOLETTRE_SMTP_URL": smtp_server.url},
                          tmp_path / "worker.log").start()
    yield web
    worker.stop()
    web.stop()


def status_of(web, email):
    with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
        return session.scalar(select(Subscriber.status).where(Subscriber.email == email))


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => JSON.stringify((await axe.run()).violations)")
    return [violation["id"] for violation in json.loads(result)]


def test_signup_confirm_unsubscribe_resubscribe_in_chromium(stack, smtp_server, page):
    page.goto(f"{stack.url}/subscribe?lang=en", timeout=15_000)
    assert axe_violations(page) == []
    page.get_by_label("Email address").fill("Zoe@Example.org")
    page.get_by_label("Name (optional)").fill("Zoé")
    page.get_by_label("Newsletter language").select_option("fr")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Vérifiez votre boîte de réception").wait_for(timeout=10_000)

    mail = smtp_server.wait_for(1, timeout=30)[0]  # the worker recorded the signup, then mailed
    assert status_of(stack, "zoe@example.org") == Status.PENDING
    assert str(make_header(decode_header(mail["To"]))) == "Zoé <zoe@example.org>"
    assert mail["Content-Language"] == "fr"
    assert smtp_server.envelopes[0][1] == ["zoe@example.org"]
    link = re.search(re.escape(stack.url) + r"/confirm/\S+", _plain(mail)).group(0)

    page.goto(link, timeout=15_000)  # the link alone, as a mail scanner opens it, changes nothing
    assert status_of(stack, "zoe@example.org") == Status.PENDING
    assert axe_violations(page) == []
    page.get_by_role("button", name="Confirmer mon abonnement").click()
    page.get_by_role("heading", name="Merci, votre abonnement est confirmé").wait_for(
        timeout=10_000)
    assert status_of(stack, "zoe@example.org") == Status.SUBSCRIBED

    from subscribers import tokens
    from tests.support.webapp import SECRET

    with db.session_scope(stack.env["INFOLETTRE_DATABASE_URL"]) as session:
        zoe = session.scalar(select(Subscriber).where(Subscriber.email == "zoe@example.org"))
        token = tokens.make(tokens.UNSUBSCRIBE, zoe.id, zoe.link_key, secret=SECRET)
    page.goto(f"{stack.url}/unsubscribe/{token}")
    assert status_of(stack, "zoe@example.org") == Status.SUBSCRIBED  # the GET changes nothing
    assert axe_violations(page) == []
    page.get_by_role("button", name="Me désabonner").click()
    page.get_by_role("heading", name="Vous êtes désabonné·e").wait_for(timeout=10_000)
    assert status_of(stack, "zoe@example.org") == Status.UNSUBSCRIBED
    page.get_by_role("button", name="Me réabonner").click()
    page.get_by_role("heading", name="Vous êtes de nouveau abonné·e").wait_for(timeout=10_000)
    assert status_of(stack, "zoe@example.org") == Status.SUBSCRIBED


def _plain(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")
