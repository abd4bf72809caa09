"""Signed link tokens: what they carry, and what they refuse."""

import pytest
from itsdangerous import URLSafeSerializer

from subscribers import tokens

SECRET = "a-test-secret"


def test_a_campaign_link_carries_the_subscriber_and_the_campaign():
    token = tokens.make(tokens.UNSUBSCRIBE, 41, 7, secret=SECRET)
    assert tokens.read(tokens.UNSUBSCRIBE, token, secret=SECRET) == (41, 7)


def test_links_without_a_campaign_still_work():
    # Links sent before campaigns were carried, and the preferences page's own form.
    token = tokens.make(tokens.UNSUBSCRIBE, 41, secret=SECRET)
    assert tokens.read(tokens.UNSUBSCRIBE, token, secret=SECRET) == (41, None)


@pytest.mark.parametrize("payload", ["41", [41], [41, 7, 1], [41, "7"], True, [True, 7], None])
def test_a_well_signed_but_malformed_payload_is_refused(payload):
    token = URLSafeSerializer(SECRET, salt=tokens.UNSUBSCRIBE).dumps(payload)
    with pytest.raises(tokens.InvalidToken):
        tokens.read(tokens.UNSUBSCRIBE, token, secret=SECRET)


def test_a_token_for_another_purpose_or_secret_is_refused():
    token = tokens.make(tokens.UNSUBSCRIBE, 41, 7, secret=SECRET)
    for purpose, secret in [(tokens.PREFERENCES, SECRET), (tokens.UNSUBSCRIBE, "other")]:
        with pytest.raises(tokens.InvalidToken):
            tokens.read(purpose, token, secret=secret)
