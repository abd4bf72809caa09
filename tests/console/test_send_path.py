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
        page.click("text=L'infolettre du Réseau — automne 2026")
        page.click("text=M'envoyer un test")
        page.wait_for_function("document.getElementById('state').dataset.state === 'done'",
                               timeout=60_000)
        assert page.inner_text("#sent") == "2"  # one per language, to the signed-in person
        assert "Test envoyé à sender@example.org." in page.inner_text("#sent-to")
        assert "L'infolettre du Réseau — automne 2026" in page.inner_text("h1")
        tests = smtp_server.wait_for(2)
        assert {m["To"] for m in tests} == {"sender@example.org"}
        # A test's opt-out links lead to a page that shows, in the reader's language, what
        # a reader would find there; nothing is changed.
        for mail in tests:
            html = next(p for p in mail.walk() if p.get_content_type() == "text/html")
            body = html.get_payload(decode=True).decode()
            link = re.search(r'href="([^"]*/demo/unsubscribe\?lang=(\w+))"', body)
            page.goto(link[1])
            assert page.locator("html").get_attribute("lang") == link[2]
            assert ("Rien n'a été changé" if link[2] == "fr" else "Nothing was changed") \
                in page.inner_text("main")

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
        assert "12 personnes le recevront maintenant" in page.inner_text("#now")
        assert "L'infolettre du Réseau — automne 2026" in page.inner_text("#subjects")
        assert axe_violations(page) == []
        page.click("text=Confirmer et lancer l'envoi")
        # `?.`: a loaded machine may still show the launch page, which has no figures.
        page.wait_for_function("document.getElementById('percent')?.textContent === '100'",
                               timeout=60_000)
        assert page.inner_text("#sent") == "11" and page.inner_text("#remaining") == "0"
        assert page.inner_text("#failed") == "1"
        # The refused address, without a reload: why in words, and the relay's own answer.
        page.wait_for_selector("#troubles td", timeout=10_000)
        assert "reader00003@example.org" in page.inner_text("#troubles")
        assert "adresse inexistante" in page.inner_text("#troubles")
        assert "550 5.1.1 No such user" in page.inner_text("#troubles")
        assert page.inner_text("#started") != "—" and page.inner_text("#finished") != "—"
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
        assert "1 · 091" in page.inner_text("#tests") and "3 · 091" in history
        assert "1 · 091" not in page.inner_text("#sends")  # test sends apart
        cells = page.locator("#sends tr", has_text="3 · 091").locator("td").all_inner_texts()
        assert cells[4:] == ["11", "1", "1", "0", "2"]  # sent, failed, bounced, complained, left
        assert page.locator("svg rect").count() >= 2  # subscribers by month, bounces by send
        assert "mois (en fin de mois)" in page.inner_text("#growth")  # axes named
        assert axe_violations(page) == []

        page.click("text=Se déconnecter")
        sign_in(page, web, "editor@example.org")
        assert page.goto(f"{web.url}/console/issues/091.yaml/launch").status == 403
        page.goto(f"{web.url}/console/issues/091.yaml")
        assert page.locator("text=Lancer l'envoi").count() == 0
        assert "rôle Envoi" in page.inner_text(".note")  # but told who can
