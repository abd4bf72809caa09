"""The audit log says each detail in the reader's language: a verdict, a role, a language,
a time, the fields corrected, a separator, the reason an import was refused are codes in
the entry and words on the page (French and English), numbers and times as Babel writes
them; an empty detail is left out."""

from mailer import db
from mailer.console.access import audit
from tests.console.test_access import console, sign_in  # noqa: F401 (a fixture)
from tests.support.browser import axe_violations


def _entries(url: str) -> None:
    with db.session_scope(url) as session:
        audit(session, "admin@example.org", "bounce reviewed", event=7, verdict="not_bounce",
              recipient=None)
        audit(session, "admin@example.org", "staff role", email="e@example.org", role="sender")
        audit(session, "admin@example.org", "test send", issue="091.yaml", language="en",
              to=["a@example.org", "b@example.org"])
        audit(session, "admin@example.org", "reschedule", campaign=3,
              at="2027-03-01T08:30:00+00:00")
        audit(session, "admin@example.org", "subscriber edited", subscriber=12,
              fields=["name", "language"])
        audit(session, "admin@example.org", "export", separator=";")
        audit(session, "admin@example.org", "import rejected", file="list.csv", line=0,
              reason="workbook")
        # As mailer.bounces.undo writes it, here for the circuit breaker.
        audit(session, "circuit breaker", "bounces undone", restored=2, campaign=None,
              reason="mailbox full", since=None)
        audit(session, "admin@example.org", "bounces undone", restored=1, reason="soft")
        audit(session, "admin@example.org", "import", file="list.csv", rows=12345,
              subscribed=12000, pending=300, unchanged=45, rejected=0)


def test_the_audit_log_says_its_details_in_the_readers_language(console, page):  # noqa: F811
    _entries(console.env["INFOLETTRE_DATABASE_URL"])
    sign_in(page, console, "admin@example.org")
    page.goto(f"{console.url}/console/audit")
    log = page.inner_text("main").replace("\xa0", " ")  # the colon's no-break space
    for said in ("verdict : pas un rebond", "rôle : Envoi", "langue : anglais",
                 "à : a@example.org, b@example.org", "corrigé : nom, langue",
                 "séparateur : point-virgule", "motif : c'est un classeur de tableur",
                 "lignes : 12\u202f345", "abonné·es : 12\u202f000", "pour : 01/03/2027 09:30",
                 "ligne de commande\tmembre ajouté à l'équipe",
                 "disjoncteur\ta réabonné les personnes retirées par des rebonds — "
                 "rétabli·es : 2 ; motif : boîte pleine", "motif : rebond temporaire"):
        assert said in log, (said, log)
    for code in ("not_bounce", "sender", "['", "None", "workbook", ": en", "2027-03-01T",
                 "command line", "bounces undone", "mailbox full"):
        assert code not in log, code
    assert axe_violations(page) == []
    page.goto(f"{console.url}/console/account")
    page.select_option("#language", "en")
    page.click("main button[type=submit]")
    page.goto(f"{console.url}/console/audit")
    log = page.inner_text("main").replace("\xa0", " ")  # the colon's no-break space
    for said in ("verdict: not a bounce", "role: Sender", "language: English",
                 "corrected: name, language",
                 "separator: semicolon", "rows: 12,345", "reason: this is a spreadsheet"):
        assert said in log, (said, log)
