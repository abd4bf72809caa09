"""The whole path in a real Chromium: sign in → preview → test send → launch → watch the
progress reach 100%, against a real Celery worker and a real SMTP server on 127.0.0.1."""

import re

import requests

from tests.console.conftest import sending_console
from tests.console.test_access import add_staff, sign_in
from tests.support.browser import axe_violations


def test_sign_in_preview_test_send_launch_and_watch(tmp_path, page, smtp_server):
    with sending_console(tmp_path, smtp_server, readers=12) as web:
        add_staff(web.env, "editor@example.org", "editor")
        page.route("http*://www.reseaucitesdesmetiers.example/**", lambda route: route.abort())
        sign_in(page, web, "sender@example.org")
        page.click("text=091.yaml")
        page.click("text=M'envoyer un test")
        page.wait_for_function("document.getElementById('state').dataset.state === 'done'",
                               timeout=60_000)
        assert page.inner_text("#sent") == "2"  # one per language, to the signed-in person
        assert {m["To"] for m in smtp_server.wait_for(2)} == {"sender@example.org"}

        page.goto(f"{web.url}/console/issues/091.yaml")  # a mistyped address: said, not sent
        page.fill("#addresses", "a@example.org, a.example.org")
        page.click("text=M'envoyer un test")
        assert "a.example.org" in page.inner_text("[role=alert]")
        page.click("text=Retour")
        page.fill("#addresses", "a@example.org, b@example.org")  # listed, one language
        page.select_option("#language", "en")
        page.click("text=M'envoyer un test")
        page.wait_for_function("document.getElementById('state').dataset.state === 'done'",
                               timeout=60_000)
        assert sorted(m["To"] for m in smtp_server.wait_for(4)[2:]) == [
            "a@example.org", "b@example.org"]
        smtp_server.messages.clear()

        smtp_server.reject_rcpt["reader00003@example.org"] = "550 5.1.1 No such user"
        page.goto(f"{web.url}/console/issues/091.yaml/launch")
        assert "12" in page.inner_text("main")  # the audience, before confirming
        page.click("text=Confirmer et lancer l'envoi")
        page.wait_for_function("document.getElementById('percent').textContent === '100'",
                               timeout=60_000)
        assert page.inner_text("#sent") == "11" and page.inner_text("#remaining") == "0"
        assert page.inner_text("#failed") == "1"
        page.reload()  # the refused address, with the relay's answer
        assert "reader00003@example.org" in page.inner_text("#troubles")
        assert "550 5.1.1 No such user" in page.inner_text("#troubles")
        received = smtp_server.wait_for(11)
        assert len(received) == 11

        # Two readers leave: one by the mail client's one-click (RFC 8058), one by the
        # footer link in a browser. Both are counted against the campaign that reached them.
        one_click = re.search(r"<(http[^>]+)>", received[0]["List-Unsubscribe"])[1]
        assert requests.post(one_click, data={"List-Unsubscribe": "One-Click"},
                             timeout=10).status_code == 200
        html = next(p for p in received[1].walk() if p.get_content_type() == "text/html")
        body = html.get_payload(decode=True).decode()
        footer = re.search(r'href="([^"]*/unsubscribe/[^"]+)"', body)[1]
        page.goto(footer)
        page.click("form button[type=submit]")

        page.goto(f"{web.url}/console/campaigns")
        history = page.inner_text("main")
        assert "1 · 091 (test)" in history and "3 · 091" in history
        cells = page.locator("tr", has_text="3 · 091").locator("td").all_inner_texts()
        assert cells[2:] == ["11", "1", "1", "0", "2"]  # sent, failed, bounced, complained, left
        assert page.locator("svg rect").count() >= 3  # subscribers by month, bounces by send
        assert axe_violations(page) == []

        page.click("text=Se déconnecter")
        sign_in(page, web, "editor@example.org")
        assert page.goto(f"{web.url}/console/issues/091.yaml/launch").status == 403
        page.goto(f"{web.url}/console/issues/091.yaml")
        assert page.locator("text=Lancer l'envoi").count() == 0
