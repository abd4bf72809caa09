"""The console's import summary says what became of each row, as the command line does."""

import re

import requests


def _import(console, rows: str, name: str) -> tuple[requests.Session, requests.Response]:
    """The admin's session, and the answer to their upload of `rows` as file `name`."""
    http = requests.Session()

    def token(path):
        return re.search(r'name="csrf_token" value="([^"]+)"',
                         http.get(f"{console.url}{path}", timeout=10).text)[1]

    http.post(f"{console.url}/console/login", timeout=10, data={
        "csrf_token": token("/console/login"), "email": "admin@example.org",
        "password": "correct horse battery"})
    answer = http.post(f"{console.url}/console/subscribers/import", timeout=60,
                       data={"csrf_token": token("/console/subscribers")},
                       files={"file": (name, rows.encode(), "text/csv")})
    assert answer.status_code == 200, answer.text[:300]
    return http, answer


def _summary(answer: requests.Response) -> str:
    return re.search(r'<p id="summary">(.*?)</p>', answer.text, re.S)[1]


def test_the_summary_counts_bounced_rows_as_suppressed_not_unsubscribed(console):
    rows = "email,status\nb@example.org,bounced\nu@example.org,unsubscribed\n"
    summary = _summary(_import(console, rows, "export.csv")[1])
    # It said "Gardé·es désabonné·es: 2": the bounced person is suppressed, not unsubscribed.
    assert "Gardé·es désabonné·es: 1" in summary
    assert "Gardé·es en rebond (exclu·es des envois): 1" in summary


def test_every_count_is_grouped_as_the_language_writes_it(console):
    # "1200" beside "1 200 lignes": one way of writing counts.
    rows = "email\n" + "".join(f"p{n}@example.org\n" for n in range(1_200))
    answer = _import(console, rows, "list.csv")[1]
    assert "1\u202f200 lignes" in answer.text
    summary = _summary(answer)
    assert ": 1\u202f200 · " in summary and "1200" not in summary


def test_the_audit_keeps_the_rows_kept_out(console):
    # The entry left out the rows kept unsubscribed, bounced or complained that the
    # summary shows.
    from sqlalchemy import select

    from mailer import db
    from mailer.console.models import AuditEntry

    rows = ("email,status\np@example.org,\nu@example.org,unsubscribed\n"
            "b@example.org,bounced\nc@example.org,complained\n")
    http, _answer = _import(console, rows, "list.csv")
    with db.session_scope(console.env["INFOLETTRE_DATABASE_URL"]) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
        assert entry.detail == {"file": "list.csv", "rows": 4, "subscribed": 0,
                                "pending": 1, "unchanged": 0, "unsubscribed": 1,
                                "bounced": 1, "complained": 1, "rejected": 0}
    audit = http.get(f"{console.url}/console/audit", timeout=10).text
    assert "gardé·es en rebond (exclu·es des envois)" in audit
