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
