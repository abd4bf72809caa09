"""The launch page of an issue whose number went out before, from another file, in a real
Chromium: what the member is told before confirming (in French and in English), and the
refusal of another issue that kept the last one's number, until the member says it is the
same issue retitled."""

import shutil
from contextlib import contextmanager

from sqlalchemy import select, update

from mailer import db
from mailer.console.models import StaffMember
from mailer.db import utcnow
from mailer.render import render_file
from tests.console.test_access import ROOT, add_staff, sign_in
from tests.sending.conftest import add_subscribers
from tests.support.browser import axe_violations
from tests.support.webapp import WebProcess
from workers import campaigns
from workers.models import Campaign, CampaignState, Delivery


def _sent_to(url, editions, readers: int) -> None:
    """Issue 91 sent from 091.yaml to the first `readers` subscribers on 20 November."""
    with db.session_scope(url) as session:
        campaign = campaigns.create(session, editions)
        session.commit()
        campaigns.plan(session, campaign, lambda low, high: None)
        ids = session.scalars(select(Delivery.id).where(Delivery.campaign_id == campaign.id)
                              .order_by(Delivery.id).limit(readers)).all()
        session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(state="sent"))
        campaign.state = CampaignState.DONE
        campaign.started_at = utcnow().replace(year=2026, month=11, day=20, hour=9)
        session.commit()


@contextmanager
def _console(tmp_path, issues, readers: int, reached: int):
    """The console (not started yet) of the issues folder `issues`, `readers` subscribers
    of whom `reached` had issue 91 from 091.yaml; a sender signs in."""
    web = WebProcess(tmp_path / "home", issues_dir=str(issues))
    url = web.env["INFOLETTRE_DATABASE_URL"]
    add_staff(web.env, "sender@example.org", "sender")
    db.upgrade(url)
    add_subscribers(url, readers)
    _sent_to(url, render_file(issues / "091.yaml"), reached)
    try:
        yield web, url
    finally:
        web.stop()


def _speaks_english(url) -> None:
    with db.session_scope(url) as session:
        session.execute(update(StaffMember).values(language="en"))
        session.commit()


def test_the_launch_page_says_who_had_the_issue_and_refuses_another_one(tmp_path, page):
    issues = tmp_path / "issues"
    issues.mkdir()
    source = (ROOT / "issues" / "091.yaml").read_text(encoding="utf-8")
    (issues / "091.yaml").write_text(source, encoding="utf-8")
    shutil.copy(issues / "091.yaml", issues / "091-final.yaml")
    # Issue 92, written from a copy of 91 whose number was not changed.
    (issues / "092.yaml").write_text(source.replace("automne 2026", "hiver 2027").replace(
        "autumn 2026", "winter 2027"), encoding="utf-8")
    with _console(tmp_path, issues, 10, 3) as (web, url):
        web.start()
        sign_in(page, web, "sender@example.org")
        # The issue list: every file of number 91 stands where the issue stands, sent.
        states = page.locator("tbody tr td:nth-child(4)").all_inner_texts()
        assert len(states) == 3 and all(s.startswith("envoyé le 20/11/2026") for s in states)
        page.goto(f"{web.url}/console/issues/091-final.yaml/launch")
        assert page.inner_text("#reached") == (
            "Le numéro 91 a déjà été envoyé le 20\u00a0novembre 2026 (depuis 091.yaml) à 3 "
            "abonné·es ; cet envoi n'atteint que les 7 abonné·es qui ne l'ont pas encore reçu.")
        assert "7 personnes le recevront maintenant" in page.inner_text("#now")
        assert page.locator("#other-issue").count() == 0
        assert axe_violations(page) == []

        page.goto(f"{web.url}/console/issues/092.yaml/launch")
        refusal = page.inner_text("#other-issue")
        assert "Le numéro 91 a déjà été envoyé le 20\u00a0novembre 2026 sous le titre" in refusal
        assert "L'infolettre du Réseau — automne 2026" in refusal
        assert "changez « number: » dans 092.yaml, ligne 2" in refusal
        assert axe_violations(page) == []
        page.click("text=Confirmer et lancer l'envoi")  # not ticked: refused, nothing made
        assert page.locator("#other-issue").is_visible()
        with db.session_scope(url) as session:
            assert len(session.scalars(select(Campaign)).all()) == 1

        _speaks_english(url)
        page.reload()
        assert "change «number:» in 092.yaml, line 2" in page.inner_text("#other-issue")
        assert page.inner_text("#now") == "7 people will receive it now"  # not the 3 reached
        page.check("#same_issue")  # it is issue 91 after all, retitled
        page.click("text=Confirm and launch the send")
        page.wait_for_url("**/console/campaigns/*")
        with db.session_scope(url) as session:
            second = session.scalars(select(Campaign).order_by(Campaign.id.desc())).first()
            assert (second.slug, second.number) == ("092", 91)

        page.goto(f"{web.url}/console/issues/091-final.yaml/launch")  # 92 is live now
        assert page.locator("#running").is_visible()


def test_the_words_in_english(tmp_path, page):
    """The notice before confirming, in English, once everyone was reached."""
    with _console(tmp_path, ROOT / "issues", 1, 1) as (web, url):
        _speaks_english(url)
        web.start()
        sign_in(page, web, "sender@example.org")
        page.goto(f"{web.url}/console/issues/091.yaml/launch")
        assert page.inner_text("#reached") == (
            "Issue 91 was already sent on November 20, 2026 (from 091.yaml) to 1 subscriber; "
            "this send reaches nobody: every subscriber on the list was reached.")


def test_a_copy_of_the_last_issue_takes_a_number_no_issue_has(tmp_path, page):
    """The newest issue by date is not always the highest number (a special issue written
    late): its number + 1 could be another issue's, whose readers would miss this one."""
    issues = tmp_path / "issues"
    issues.mkdir()
    for name in ("091.yaml", "092.yaml"):
        shutil.copy(ROOT / "issues" / name, issues / name)
    late = (ROOT / "issues" / "091.yaml").read_text(encoding="utf-8")
    (issues / "091-late.yaml").write_text(late.replace("date: 2026-11-20", "date: 2028-01-01"),
                                          encoding="utf-8")
    with _console(tmp_path, issues, 1, 0) as (web, _url):
        add_staff(web.env, "editor@example.org", "editor")
        web.start()
        sign_in(page, web, "editor@example.org")
        page.goto(f"{web.url}/console/issues/new?start=copy")
        assert page.input_value("#f-number") == "93"
