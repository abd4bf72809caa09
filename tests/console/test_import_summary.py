"""The console's import summary says what became of each row, as the command line does."""

import re

import requests


def test_the_summary_counts_bounced_rows_as_suppressed_not_unsubscribed(console):
    http = requests.Session()

    def token(path):
        return re.search(r'name="csrf_token" value="([^"]+)"',
                         http.get(f"{console.url}{path}", timeout=10).text)[1]

    http.post(f"{console.url}/console/login", timeout=10, data={
        "csrf_token": token("/console/login"), "email": "admin@example.org",
        "password": "correct horse battery"})
    rows = "email,status\nb@example.org,bounced\nu@example.org,unsubscribed\n"
    answer = http.post(f"{console.url}/console/subscribers/import", timeout=30,
                       data={"csrf_token": token("/console/subscribers")},
                       files={"file": ("export.csv", rows.encode(), "text/csv")})
    assert answer.status_code == 200, answer.text[:300]
    summary = re.search(r'<p id="summary">(.*?)</p>', answer.text, re.S)[1]
    # It said "Gardé·es désabonné·es: 2": the bounced person is suppressed, not unsubscribed.
    assert "Gardé·es désabonné·es: 1" in summary
    assert "Gardé·es en rebond (exclu·es des envois): 1" in summary
