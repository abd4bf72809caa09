"""The campaign page says why a message did not go through in the bounce reasons' own words
(mailer.bounces.reasons), the same as the bounce list and the person's page."""

import pytest

from mailer.console.base import labels
from mailer.console.campaign_page import reason


@pytest.mark.parametrize(("reply", "english", "french"), [
    ("550 5.1.1 No such user", "address does not exist", "adresse inexistante"),
    ("552 5.2.2 Mailbox full", "mailbox full", "boîte pleine"),
    ("550 5.7.1 Unauthenticated email from example.org is not accepted due to domain's "
     "DMARC policy", "sender not authenticated or refused by policy", None),
    ("554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org",
     "our sending IP or domain is blocked", None),
    (None, "no answer from the relay", "pas de réponse du relais"),
    ("", "no answer from the relay", None),
])
def test_a_relays_answer_in_the_bounce_reasons_words(reply, english, french):
    assert reason(labels("en"), reply) == english
    if french:
        assert reason(labels("fr"), reply) == french


@pytest.mark.parametrize(("language", "words"), [
    ("fr", "interrompu avant la réponse du relais : peut-être reçu, jamais renvoyé"),
    ("en", "cut off before the relay answered: maybe received, never sent again")])
def test_an_uncertain_row_is_no_refusal(tmp_path, monkeypatch, language, words):
    # After `kill -9` of a worker, its rows said "refus sans motif reconnu" (refused for a
    # reason not stated) and, as the server's answer, our own English words.
    from flask import Flask

    from mailer import db
    from mailer.console.campaign_page import _troubles
    from mailer.settings import get_settings
    from workers import campaigns
    from workers.models import Campaign, Delivery, DeliveryState

    monkeypatch.setenv("INFOLETTRE_HOME", str(tmp_path))
    monkeypatch.setenv("INFOLETTRE_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    get_settings.cache_clear()
    try:
        db.upgrade()
        with db.session_scope() as session:
            session.add(Campaign(id=1, slug="091", state="sending"))
            session.flush()
            for number, reply in enumerate([campaigns.WORKER_STOPPED,
                                            "Connection unexpectedly closed"]):
                session.add(Delivery(campaign_id=1, subscriber_id=number, language="fr",
                                     email=f"r{number}@example.org", attempts=1,
                                     state=DeliveryState.UNKNOWN, reply=reply))
            session.flush()
            with Flask(__name__).test_request_context(f"/?lang={language}"):
                rows = _troubles(session, 1)
    finally:
        get_settings.cache_clear()
    assert [row["reason"] for row in rows] == [words, words]
    assert [row["reply"] for row in rows] == ["", "Connection unexpectedly closed"]
