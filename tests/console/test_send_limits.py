"""What the console says before and during a send, in a real Chromium: an issue Gmail
would clip (measured as sent), a time the console's zone skips or has twice, and a relay
that is away ("waiting for the relay since …")."""

import datetime as dt
import shutil

import yaml

from tests.console.conftest import sending_console
from tests.console.test_access import ROOT, add_staff, sign_in
from tests.support.webapp import WebProcess


def big_issue(folder):
    """091 with every article four times: its HTML part is over Gmail's 102 KB."""
    issue = yaml.safe_load((ROOT / "issues" / "091.yaml").read_text(encoding="utf-8"))
    for section in issue["sections"]:
        section["articles"] = section["articles"] * 4
    folder.mkdir()
    (folder / "big.yaml").write_text(yaml.safe_dump(issue, allow_unicode=True),
                                     encoding="utf-8")
    shutil.copy(ROOT / "issues" / "091.yaml", folder / "091.yaml")


def test_issue_and_launch_pages_warn_above_102_kb(tmp_path, page):
    big_issue(tmp_path / "issues")
    web = WebProcess(tmp_path / "home", issues_dir=str(tmp_path / "issues"))
    add_staff(web.env, "sender@example.org", "sender")
    web.start()
    try:
        sign_in(page, web, "sender@example.org")
        page.route("http*://www.reseaucitesdesmetiers.example/**", lambda r: r.abort())
        page.goto(f"{web.url}/console/issues/big.yaml")
        warnings = page.locator("p[role=alert]").all_inner_texts()
        assert len(warnings) == 2 and all("102 Ko de Gmail" in w for w in warnings)
        page.goto(f"{web.url}/console/issues/big.yaml/launch")
        assert "102 Ko de Gmail" in page.inner_text("main")
        page.goto(f"{web.url}/console/issues/091.yaml/launch")
        assert "102 Ko de Gmail" not in page.inner_text("main")
    finally:
        web.stop()


def next_change(month: int) -> dt.date:
    """The next last Sunday of `month` still to come: Europe's clocks change that night
    (March: 02:00-03:00 does not exist; October: 02:00-03:00 happens twice). Always within
    the year a send may be scheduled ahead (mailer.send_time)."""
    today = dt.date.today()
    for year in (today.year, today.year + 1):
        last = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
        last -= dt.timedelta(days=(last.weekday() - 6) % 7)
        if last > today + dt.timedelta(days=1):
            return last
    raise AssertionError("unreachable: a last Sunday comes every year")


def test_times_the_zone_skips_or_repeats_are_refused(tmp_path, page, smtp_server):
    spring, autumn = next_change(3), next_change(10)
    with sending_console(tmp_path, smtp_server, 1, console_timezone="Europe/Paris") as web:
        sign_in(page, web, "sender@example.org")
        for typed, words in ((f"{spring}T02:30", "n'existe pas"),
                             (f"{autumn}T02:30", "a lieu deux fois")):
            page.goto(f"{web.url}/console/issues/091.yaml/launch")
            page.fill("#at", typed)
            page.click("text=Confirmer et lancer l'envoi")
            error = page.inner_text("#error")
            assert words in error and "heure d’Europe centrale" in error  # the zone, named
        page.goto(f"{web.url}/console/issues/091.yaml/launch")
        page.fill("#at", f"{spring}T03:30")  # the hour after the gap exists
        page.click("text=Confirmer et lancer l'envoi")
        page.wait_for_function("document.getElementById('state').dataset.state === 'scheduled'")
        page.fill("#at", f"{autumn}T02:30")  # moved, on its page, to an hour that repeats
        page.click("#reschedule button")
        error = page.inner_text("#error")  # it said nothing there
        assert "a lieu deux fois" in error and "heure d’Europe centrale" in error


def test_campaign_page_says_it_waits_for_the_relay(tmp_path, page, smtp_server):
    with sending_console(tmp_path, smtp_server, 5, send_retry_seconds="[1]") as web:
        smtp_server.stop()  # the relay refuses connections
        sign_in(page, web, "sender@example.org")
        page.goto(f"{web.url}/console/issues/091.yaml/launch")
        page.click("text=Confirmer et lancer l'envoi")
        page.wait_for_selector("#relay:not([hidden])", timeout=30_000)
        assert "En attente du relais depuis" in page.inner_text("#relay")
        page.wait_for_function("/\\d\\d:\\d\\d/.test("
                               "document.getElementById('relay-since').textContent)")
        smtp_server.start()
        page.wait_for_function("document.getElementById('percent').textContent === '100'",
                               timeout=60_000)
        assert page.is_hidden("#relay")
        assert len(smtp_server.wait_for(5)) == 5


def test_a_dkim_key_that_cannot_sign_is_said_before_anything_is_created(tmp_path, page,
                                                                        smtp_server):
    from sqlalchemy import select

    from mailer import db
    from workers.models import Campaign

    missing = tmp_path / "dkim.pem"
    with sending_console(tmp_path, smtp_server, 2, dkim_key_file=str(missing)) as web:
        sign_in(page, web, "sender@example.org")
        page.goto(f"{web.url}/console/issues/091.yaml/launch")
        page.click("text=Confirmer et lancer l'envoi")
        error = page.inner_text("#error")
        assert "La clé DKIM ne peut pas signer" in error
        assert f"INFOLETTRE_DKIM_KEY_FILE ({missing}): no such file" in error
        with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
            assert session.scalars(select(Campaign)).all() == []
