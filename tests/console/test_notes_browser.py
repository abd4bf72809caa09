"""Why a bounce was held or a score suppressed, in a real Chromium, on the pages of a
member who works in French: said in French, its values (addresses) shown as text, never
markup; the server's own words and a row written before notes as they were stored."""

from mailer import db
from mailer.bounces import classify, notes, policy, undo
from mailer.bounces.process import record
from tests.console.test_access import sign_in
from tests.sending.conftest import add_subscribers
from tests.support.browser import axe_violations

FORGED = '<img src=x onerror="document.title=1">@x.org'


def test_a_held_report_and_a_score_are_said_in_the_members_french(console, page):
    url = console.env["INFOLETTRE_DATABASE_URL"]
    [email] = add_subscribers(url, 1)
    with db.session_scope(url) as session:
        held = classify.Finding(classify.HELD, None, "5.1.1", "550 5.1.1 User unknown",
                                notes=[notes.note(notes.HELD_SEVERAL, kind="hard",
                                                  status="5.1.1", count=3,
                                                  shown=f"{email}, {FORGED}, c@x.org",
                                                  subscribers=1, ours=email)])
        record(session, "<held@forge>", held, "imap", "raw")
        for campaign in (1, 2, 3):  # mailbox full in three issues: the score suppresses
            finding = classify.from_reply("552 5.2.2 Mailbox full")
            finding.recipient, finding.campaign_id = email, campaign
            finding.detail["tied_to"] = "VERP"
            policy.apply(session, finding)
    sign_in(page, console, "admin@example.org")
    page.click("nav >> text=Rebonds")
    waiting = page.inner_text("#waiting")
    assert ("retenu (rebond définitif 5.1.1) : nomme 3 adresses "
            f"({email}, {FORGED}, c@x.org) ; abonné·es parmi elles (1) : {email} ;") in waiting
    assert FORGED in waiting and page.locator("#waiting img").count() == 0  # data, as text
    assert "· 550 5.1.1 User unknown" in waiting and "held" not in waiting
    page.click("#waiting a")
    assert page.inner_text("#notes").startswith("retenu (rebond définitif 5.1.1) : nomme 3")
    page.goto(console.url + "/console/subscribers/1")
    history = page.inner_text("#events").replace("\xa0", " ")  # t.colon's no-break space
    assert "pourquoi : score de rebonds temporaires atteint (3)" in history
    assert "causes des rebonds comptés : boîte pleine" in history
    assert "rattaché à : notre adresse de retour signée (VERP)" in history
    assert "score reached" not in history and "mailbox full" not in history
    assert axe_violations(page) == []
    with db.session_scope(url) as session:  # as `infolettre bounces undo` leaves it
        scope = undo.Scope(reason="mailbox full")
        undo.restore(session, undo.suppressed(session, scope), "cli:ed", scope)
    page.reload()
    assert "comment : abonné·e de nouveau : rebonds annulés" in \
        page.inner_text("#events").replace("\xa0", " ")
