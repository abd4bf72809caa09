"""A launch that would reach nobody now (an empty list, or everyone already reached by an
earlier send of the issue), in a real Chromium: refused with its reason, as `infolettre
send` refuses it, and a 4xx when posted anyway; scheduling it stays allowed, since a
scheduled campaign chooses its audience at its time (workers.campaigns.plan)."""

import datetime as dt

from sqlalchemy import select

from mailer import db
from tests.console.test_access import ROOT, add_staff, sign_in
from tests.console.test_launch_same_number import _console, _speaks_english
from tests.support.browser import axe_violations
from tests.support.webapp import WebProcess
from workers.models import Campaign

LAUNCH = "form:has(#at) button[type=submit]"


def _campaigns(url) -> list[tuple[str, bool]]:
    with db.session_scope(url) as session:
        return [(c.state, c.scheduled_at is not None)
                for c in session.scalars(select(Campaign).order_by(Campaign.id))]


def _open_launch(page, web) -> None:
    """The sender signed in, on the launch page of issue 91."""
    sign_in(page, web, "sender@example.org")
    page.wait_for_url("**/console/")
    page.goto(f"{web.url}/console/issues/091.yaml/launch")


def _post_anyway(page):
    """The form posted without a time, the browser's `required` taken off (an old browser,
    a script): the server refuses it itself."""
    page.evaluate("document.getElementById('at').removeAttribute('required')")
    with page.expect_navigation() as sent:
        page.click(LAUNCH)
    return sent.value


def test_an_empty_list_is_refused_a_send_now_and_may_be_scheduled(tmp_path, page):
    web = WebProcess(tmp_path / "home", issues_dir=str(ROOT / "issues"))
    url = web.env["INFOLETTRE_DATABASE_URL"]
    add_staff(web.env, "sender@example.org", "sender")
    db.upgrade(url)
    try:
        web.start()
        _open_launch(page, web)
        assert page.inner_text("#nobody") == (
            "Personne n'est encore abonné·e. Un envoi maintenant n'atteindrait personne : il "
            "n'est donc pas permis. Vous pouvez le programmer : les abonné·es de ce moment-là "
            "(pas encore atteint·es) le recevront.")
        assert page.get_attribute("#at", "required") is not None
        assert axe_violations(page) == []
        response = _post_anyway(page)
        assert response.status == 400
        assert page.inner_text("#error") == (
            "Personne ne recevrait cet envoi maintenant : rien n'a été envoyé. Choisissez une "
            "heure pour le programmer (les abonné·es de ce moment-là le recevront), ou "
            "ajoutez d'abord des abonné·es.")
        assert _campaigns(url) == []

        _speaks_english(url)
        page.reload()
        assert page.inner_text("#nobody") == (
            "Nobody is subscribed yet. A send now would reach nobody, so it is not allowed. "
            "You can schedule it: whoever is subscribed at that time (and was not reached) "
            "will receive it.")
        _post_anyway(page)
        assert page.inner_text("#error").startswith("Nobody would receive this send now: "
                                                    "nothing was sent.")
        later = dt.datetime.now() + dt.timedelta(days=3)
        page.fill("#at", f"{later:%Y-%m-%dT%H:%M}")
        page.click(LAUNCH)
        page.wait_for_url("**/console/campaigns/*")
        assert _campaigns(url) == [("scheduled", True)]
    finally:
        web.stop()


def test_everyone_reached_is_refused_a_send_now(tmp_path, page):
    with _console(tmp_path, ROOT / "issues", 2, 2) as (web, url):
        _speaks_english(url)
        web.start()
        _open_launch(page, web)
        assert page.inner_text("#nobody") == (
            "A send now would reach nobody, so it is not allowed. You can schedule it: "
            "whoever is subscribed at that time (and was not reached) will receive it.")
        assert _post_anyway(page).status == 400
        assert page.locator("#error").is_visible()
        assert _campaigns(url) == [("done", False)]
