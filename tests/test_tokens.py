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


def test_a_recipients_pair_of_campaign_tokens_is_what_make_gives_each_bound_to_its_purpose():
    # The sender signs both links of a message at once (one payload, two signatures).
    unsubscribe, preferences = tokens.make_campaign_pair(41, KEY, 7, secret=SECRET)
    assert unsubscribe == tokens.make(tokens.UNSUBSCRIBE, 41, KEY, 7, secret=SECRET)
    assert preferences == tokens.make(tokens.PREFERENCES, 41, KEY, 7, secret=SECRET)
    assert tokens.read(tokens.PREFERENCES, preferences, find, secret=SECRET)[0] == (41, 7)
    for purpose, token in [(tokens.PREFERENCES, unsubscribe), (tokens.UNSUBSCRIBE, preferences)]:
        with pytest.raises(tokens.InvalidToken):
            tokens.read(purpose, token, find, secret=SECRET)
    other = SimpleNamespace(link_key="another-persons-key", legacy_links=False)
    with pytest.raises(tokens.InvalidToken):
        tokens.read(tokens.UNSUBSCRIBE, unsubscribe, lambda _id: other, secret=SECRET)


@pytest.mark.parametrize("subscriber_id", [1, 41, 99_999, 10**6, 10**9, 10**12, 2**62])
@pytest.mark.parametrize("campaign_id", [1, 7, 10**4, 10**6])
def test_the_pair_is_what_make_gives_short_payloads_and_long_ones(subscriber_id, campaign_id):
    # Up to NEVER_COMPRESSED bytes of JSON the pair skips zlib; past it (`[0,111111111111]`
    # shrinks) it asks itsdangerous, so that a link reads the same either way.
    pair = tokens.make_campaign_pair(subscriber_id, KEY, campaign_id, secret=SECRET)
    assert pair == tuple(tokens.make(purpose, subscriber_id, KEY, campaign_id, secret=SECRET)
                         for purpose in (tokens.UNSUBSCRIBE, tokens.PREFERENCES))


def _altered(token: str) -> list[str]:
    """The token with junk itsdangerous's lenient base64 reads as the same bytes: padding
    appended, and the last character with other unused low bits."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    same_bits = [c for c in alphabet if c != token[-1]
                 and alphabet.index(c) >> 2 == alphabet.index(token[-1]) >> 2]
    return [token + "=", token + "==", *(token[:-1] + c for c in same_bits),
            token + "A", token + ".", "." + token, token.replace(".", "..", 1)]


@pytest.mark.parametrize("purpose", [tokens.CONFIRM, tokens.UNSUBSCRIBE, tokens.PREFERENCES])
def test_a_token_with_junk_appended_or_altered_bits_is_refused(purpose):
    # `…Ac==` and `…Ad` used to unsubscribe as `…Ac` did.
    token = tokens.make(purpose, 41, KEY, None if purpose == tokens.CONFIRM else 7,
                        secret=SECRET)
    assert tokens.read(purpose, token, find, secret=SECRET)[0].subscriber_id == 41
    altered = _altered(token)
    assert len(altered) >= 7
    for other in altered:
        with pytest.raises(tokens.InvalidToken):
            tokens.read(purpose, other, find, secret=SECRET)


def test_the_campaign_pair_is_exact_too():
    unsubscribe, preferences = tokens.make_campaign_pair(41, KEY, 7, secret=SECRET)
    for purpose, token in [(tokens.UNSUBSCRIBE, unsubscribe), (tokens.PREFERENCES, preferences)]:
        assert tokens.exact(token)
        for other in _altered(token):
            with pytest.raises(tokens.InvalidToken):
                tokens.read(purpose, other, find, secret=SECRET)


@pytest.mark.parametrize("purpose", [tokens.CONFIRM, tokens.UNSUBSCRIBE, tokens.PREFERENCES])
def test_a_token_cut_to_a_length_base64_never_has_is_refused_not_a_crash(purpose):
    # A link a mail client wrapped or a person copied short: a part of 4n + 1 characters
    # made itsdangerous raise BadData, which no page caught (a 500).
    token = tokens.make(purpose, 41, KEY, None if purpose == tokens.CONFIRM else 7,
                        secret=SECRET)
    cut = [token[:length] for length in range(len(token)) if len(token[:length].split(".")[-1])
           % 4 == 1]
    for other in [*cut, "a.b.c", "a.b", "abcde.f"]:
        with pytest.raises(tokens.InvalidToken):
            tokens.read(purpose, other, find, secret=SECRET)
