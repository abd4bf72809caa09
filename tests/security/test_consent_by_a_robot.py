"""Attack 6: a mail scanner opening the confirmation link (GET, HEAD) confirms nobody; the
page's one button, in the subscriber's language, does (issue 12)."""

from __future__ import annotations

import pytest

from mailer import db
from subscribers import links
from subscribers.models import Status, Subscriber
from subscribers.signup import Consent, sign_up
from subscribers.validation import check_applicant


@pytest.mark.parametrize(("language", "button"), [("fr", "Confirmer mon abonnement"),
                                                  ("en", "Confirm my subscription")])
def test_only_the_button_confirms(site, sqlite_url, language, button):
    client = site().test_client()
    with db.session_scope(sqlite_url) as session:
        subscriber_id = sign_up(session, check_applicant("scanned@example.org", language, None),
                                Consent("web:form", "I agree"))
        row = session.get(Subscriber, subscriber_id)
        path = links.confirm_url(row.id, row.link_key)[len(links._base()):]

    def state():
        with db.session_scope(sqlite_url) as session:
            return session.get(Subscriber, subscriber_id).status

    page = client.get(path)
    assert page.status_code == 200 and button in page.text and f'lang="{language}"' in page.text
    assert client.head(path).status_code == 200
    for _ in range(3):  # scanners come back
        client.get(path, headers={"User-Agent": "Mozilla/5.0 (compatible; SafeLinks)"})
    assert state() == Status.PENDING
    assert client.post(path).status_code == 200 and state() == Status.SUBSCRIBED
