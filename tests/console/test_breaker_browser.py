"""A relay that refuses every recipient, seen in a real Chromium with a real Celery worker
and a real SMTP server on 127.0.0.1: the campaign pauses itself and says why, nobody's
status changes, resume goes on once the relay accepts, the counts agree everywhere, and a
sender subscribes again those the send's bounces removed."""

from mailer import db
from subscribers.models import Status, Subscriber
from tests.console.conftest import sending_console
from tests.console.test_access import sign_in
from tests.support.browser import axe_violations

READERS = 30


def statuses(url):
    with db.session_scope(url) as session:
        return sorted(s.status for s in session.query(Subscriber))


def test_breaker_pause_resume_counts_and_undo(tmp_path, page, smtp_server):
    smtp_server.reject_rcpt.update({f"reader0000{n}@example.org": "550 5.1.1 <x>: Recipient "
                                    "address rejected: User unknown" for n in (0, 1)})
    smtp_server.refuse_rcpt = "554 5.7.1 <addr>: Relay access denied"
    with sending_console(tmp_path, smtp_server, READERS) as web:
        url = web.env["INFOLETTRE_DATABASE_URL"]
        sign_in(page, web, "sender@example.org")
        page.goto(f"{web.url}/console/issues/091.yaml/launch")
        page.click("text=Confirmer et lancer l'envoi")
        page.wait_for_function("document.getElementById('state').dataset.state === 'paused'",
                               timeout=60_000)
        page.reload()
        # Why, in the member's language, the relay's own words beside (marked English).
        assert page.inner_text("#paused-words") == (
            "5 refus de suite : le relais refuse de relayer pour nous — vérifier "
            "l'adresse du relais, son identifiant et l'adresse d'envoi")
        assert page.inner_text("#paused-relay").endswith("@example.org>: Relay access denied")
        assert page.get_attribute("#paused-relay", "lang") == "en"
        assert "refusals in a row" not in page.inner_text("main")
        assert "relais refuse de relayer" in page.inner_text("#refusals")
        assert page.inner_text("#bounced") == "7"  # 2 addresses unknown, 5 refused for us
        assert statuses(url) == [Status.BOUNCED] * 2 + [Status.SUBSCRIBED] * (READERS - 2)
        assert axe_violations(page) == []
        page.goto(f"{web.url}/console/bounces")  # the same sentences on the bounces page
        assert page.inner_text("#refusals") == (
            "example.org a refusé 5 messages : le relais refuse de relayer pour nous — "
            "vérifier l'adresse du relais, son identifiant et l'adresse d'envoi")
        assert axe_violations(page) == []
        page.goto(f"{web.url}/console/campaigns/1")

        smtp_server.refuse_rcpt = ""  # the relay's login is fixed
        page.click("#resume")
        page.wait_for_function("document.getElementById('state').dataset.state === 'done'",
                               timeout=60_000)
        assert len(smtp_server.wait_for(READERS - 2)) == READERS - 2  # everyone else, once

        page.goto(f"{web.url}/console/campaigns")  # one truth: the history says 7 too
        cells = page.locator("tr", has_text="1 · 091").locator("td").all_inner_texts()
        assert cells[4:7] == [str(READERS - 2), "2", "7"]  # sent, failed, bounced

        page.goto(f"{web.url}/console/campaigns/1")
        assert "2" in page.inner_text("#undo-bounces")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#undo-bounces")
        page.wait_for_load_state()
        assert statuses(url) == [Status.SUBSCRIBED] * READERS
        assert page.locator("#undo-bounces").count() == 0
