"""A send scheduled from the console, in a real Chromium: a time in the console's zone, a
past time refused, the campaign waiting, then started by the sweep when its time comes."""

import datetime as dt
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from mailer import db
from tests.console.conftest import sending_console
from tests.console.test_access import ROOT, sign_in
from workers.models import Campaign


def _local(delta: dt.timedelta) -> str:
    moment = dt.datetime.now(ZoneInfo("Europe/Paris")) + delta
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_schedule_a_send_and_let_the_sweep_start_it(tmp_path, page, smtp_server):
    with sending_console(tmp_path, smtp_server, 6, console_timezone="Europe/Paris") as web:
        url = web.env["INFOLETTRE_DATABASE_URL"]
        sign_in(page, web, "sender@example.org")
        page.goto(f"{web.url}/console/issues/091.yaml/launch")
        assert "heure d’Europe centrale" in page.inner_text("label[for=at]")
        page.fill("#at", _local(-dt.timedelta(hours=1)))
        page.click("text=Confirmer et lancer l'envoi")
        assert "Cette heure est passée" in page.inner_text("#error")

        page.fill("#at", _local(dt.timedelta(days=1)))
        page.click("text=Confirmer et lancer l'envoi")
        page.wait_for_function("document.getElementById('state').dataset.state === 'scheduled'")
        assert page.is_visible("#cancel") and page.is_hidden("#resume")
        page.wait_for_timeout(1500)
        assert smtp_server.messages == []  # not before its time
        first = page.inner_text("#scheduled")
        page.fill("#at", _local(dt.timedelta(days=2)))  # moved to the day after
        page.click("#reschedule button")
        page.wait_for_function("first => document.getElementById('scheduled').textContent"
                               " !== first", arg=first)
        assert page.inner_text("#state") == "programmé"
        assert page.locator("#cancel").evaluate("e => getComputedStyle(e).color") \
            == "rgb(160, 0, 0)"  # cancelling looks destructive, pausing does not

        with db.session_scope(url) as session:  # its time comes
            session.execute(update(Campaign).values(
                scheduled_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        subprocess.run([sys.executable, "-c", "from workers.tasks import sweep; sweep.delay()"],
                       env=web.env, cwd=ROOT, check=True, timeout=60)
        page.wait_for_function("document.getElementById('percent').textContent === '100'",
                               timeout=60_000)
        assert len(smtp_server.wait_for(6)) == 6


def test_a_time_more_than_a_year_ahead_is_refused(monkeypatch, tmp_path):
    # As `infolettre send --at`: 9999-12-31 was taken (west of Greenwich, an OverflowError).
    from mailer.console.sends import send_time
    from mailer.settings import get_settings
    from subscribers.validation import InvalidInput

    monkeypatch.setenv("INFOLETTRE_HOME", str(tmp_path))
    monkeypatch.setenv("INFOLETTRE_CONSOLE_TIMEZONE", "America/Montreal")
    get_settings.cache_clear()
    try:
        for typed in ("9999-12-31T23:59", _local(dt.timedelta(days=400))):
            with pytest.raises(InvalidInput) as refused:
                send_time(typed)
            assert refused.value.label == "at_far", typed
        assert send_time(_local(dt.timedelta(days=300))) is not None
    finally:
        get_settings.cache_clear()
