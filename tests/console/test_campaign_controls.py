"""A campaign's controls in a real Chromium, against a real Celery worker and a slow SMTP
server on 127.0.0.1: rate and time left while sending, pause, resume, cancel (confirmed),
then the issue launched again reaching only those the first campaign did not, and a
second launch at the same time refused. Nobody receives the issue twice."""

from tests.console.conftest import sending_console
from tests.console.test_access import sign_in

READERS = 300


def _figure(page, key):
    return int(page.inner_text(f"#{key}"))


def _wait_steady(page, key="sent", seconds=1.5):
    """Until the figure stops moving (the worker looks at the state every 100 messages)."""
    last = -1
    while _figure(page, key) != last:
        last = _figure(page, key)
        page.wait_for_timeout(seconds * 1000)
    return last


def test_pause_resume_cancel_and_launch_again(tmp_path, page, smtp_server):
    smtp_server.data_delay = 0.02  # a slow relay: the send lasts long enough to steer
    with sending_console(tmp_path, smtp_server, READERS) as web:
        sign_in(page, web, "sender@example.org")
        page.goto(f"{web.url}/console/issues/091.yaml/launch")
        page.click("text=Confirmer et lancer l'envoi")
        page.wait_for_function(  # the page may be between two documents (the form's redirect)
            "document.getElementById('left')?.textContent.includes('s')", timeout=30_000)
        assert page.inner_text("#rate").endswith("/s") and page.is_hidden("#resume")

        page.click("#pause")
        page.wait_for_function("document.getElementById('state').dataset.state === 'paused'")
        paused_at = _wait_steady(page)
        assert paused_at < READERS and page.is_visible("#resume") and page.is_hidden("#pause")
        assert page.inner_text("#rate") == "—"
        page.click("#resume")
        page.wait_for_function(f"+document.getElementById('sent').textContent > {paused_at}",
                               timeout=30_000)

        page.once("dialog", lambda dialog: dialog.dismiss())  # "Cancel?" — no: still sending
        page.click("#cancel")
        assert page.get_attribute("#state", "data-state") == "sending"
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#cancel")
        page.wait_for_function(  # the page may be between two documents (the form's redirect)
            "document.getElementById('state')?.dataset.state === 'cancelled'")
        reached = _wait_steady(page)
        assert reached < READERS
        assert page.is_hidden("#pause") and page.is_hidden("#resume") and page.is_hidden("#cancel")

        # Launched again: from two tabs at once (a double click); one campaign results.
        other = page.context.new_page()
        for tab in (page, other):
            tab.goto(f"{web.url}/console/issues/091.yaml/launch")
        assert str(reached) in page.inner_text("#reached")
        page.click("text=Confirmer et lancer l'envoi")
        other.click("text=Confirmer et lancer l'envoi")
        assert other.locator("#running").count() == 1
        page.wait_for_function("document.getElementById('percent').textContent === '100'",
                               timeout=60_000)
        assert _figure(page, "sent") == READERS - reached
        received = [m["To"] for m in smtp_server.wait_for(READERS)]
        page.wait_for_timeout(500)
        assert len(received) == len(set(received)) == READERS  # each reader, once
