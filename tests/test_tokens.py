"""Signed link tokens: what they carry, and what they refuse."""

from types import SimpleNamespace

import pytest
from itsdangerous import URLSafeSerializer

from subscribers import tokens

SECRET = "a-test-secret"
KEY = "k3y-of-subscriber-41"
HOLDER = SimpleNamespace(link_key=KEY, legacy_links=False)


def find(subscriber_id):
    return HOLDER if subscriber_id == 41 else None


def test_a_campaign_link_carries_the_subscriber_and_the_campaign():
    token = tokens.make(tokens.UNSUBSCRIBE, 41, KEY, 7, secret=SECRET)
    assert tokens.read(tokens.UNSUBSCRIBE, token, find, secret=SECRET) == ((41, 7), HOLDER)


def test_links_without_a_campaign_still_work():
    # The confirmation email's links and the preferences page's own form.
    token = tokens.make(tokens.UNSUBSCRIBE, 41, KEY, secret=SECRET)
    assert tokens.read(tokens.UNSUBSCRIBE, token, find, secret=SECRET)[0] == (41, None)


@pytest.mark.parametrize("payload", ["41", [41], [41, 7, 1], [41, "7"], True, [True, 7], None])
def test_a_well_signed_but_malformed_payload_is_refused(payload):
    token = URLSafeSerializer(SECRET, salt=f"{tokens.UNSUBSCRIBE}:{KEY}").dumps(payload)
    with pytest.raises(tokens.InvalidToken):
        tokens.read(tokens.UNSUBSCRIBE, token, find, secret=SECRET)


def test_a_token_for_another_purpose_secret_or_person_is_refused():
    token = tokens.make(tokens.UNSUBSCRIBE, 41, KEY, 7, secret=SECRET)
    for purpose, secret in [(tokens.PREFERENCES, SECRET), (tokens.UNSUBSCRIBE, "other")]:
        with pytest.raises(tokens.InvalidToken):
            tokens.read(purpose, token, find, secret=secret)
    someone_else = SimpleNamespace(link_key="another-key", legacy_links=False)
    with pytest.raises(tokens.InvalidToken, match="invalid"):
        tokens.read(tokens.UNSUBSCRIBE, token, lambda _id: someone_else, secret=SECRET)
    with pytest.raises(tokens.InvalidToken, match="gone"):
        tokens.read(tokens.UNSUBSCRIBE, token, lambda _id: None, secret=SECRET)


def test_unkeyed_links_of_emails_sent_before_keys_only_for_those_subscribers():
    old = URLSafeSerializer(SECRET, salt=tokens.UNSUBSCRIBE).dumps([41, 7])
    legacy = SimpleNamespace(link_key=KEY, legacy_links=True)
    assert tokens.read(tokens.UNSUBSCRIBE, old, lambda _id: legacy, secret=SECRET)[0] == (41, 7)
    with pytest.raises(tokens.InvalidToken):  # a subscriber who came after: never
        tokens.read(tokens.UNSUBSCRIBE, old, find, secret=SECRET)
    old_confirm = tokens._serializer(SECRET, tokens.CONFIRM, None).dumps(41)
    with pytest.raises(tokens.InvalidToken):  # nor any consent
        tokens.read(tokens.CONFIRM, old_confirm, lambda _id: legacy, secret=SECRET)
