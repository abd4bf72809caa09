"""A launch from the console while the message broker is away: the campaign is created
and audited, and its page says why nothing leaves yet (workers.launcher.queued)."""

from sqlalchemy import select

from mailer import db
from mailer.console.models import AuditEntry
from tests.console.test_access import ROOT, add_staff, sign_in
from tests.sending.conftest import add_subscribers
from tests.support.servers import free_port
from tests.support.webapp import WebProcess
from workers.models import Campaign, CampaignState


def test_the_console_says_a_start_the_broker_did_not_take(tmp_path, page):
    # Launched from the browser with the broker away: the campaign is created and audited,
    # and its page says why nothing leaves yet (it was a 500, and no audit row).
    web = WebProcess(tmp_path / "home", issues_dir=str(ROOT / "issues"),
                     broker_url=f"redis://127.0.0.1:{free_port()}/0")
    url = web.env["INFOLETTRE_DATABASE_URL"]
    add_staff(web.env, "sender@example.org", "sender")
    db.upgrade(url)
    add_subscribers(url, 3)
    try:
        web.start()
        sign_in(page, web, "sender@example.org")
        page.wait_for_url("**/console/")
        page.goto(f"{web.url}/console/issues/091.yaml/launch")
        with page.expect_navigation() as sent:
            page.click("form:has(#at) button[type=submit]")
        assert sent.value.status == 200
        assert page.inner_text("#error").startswith("Son départ n'a pas pu être mis en file")
        with db.session_scope(url) as session:
            assert session.get(Campaign, 1).state == CampaignState.SENDING
            assert "launch" in session.scalars(select(AuditEntry.action)).all()
    finally:
        web.stop()
