"""Signed tokens for the links in emails: HMAC (itsdangerous), never a bare id.

Each token is bound to its purpose (the salt), and to its person: the salt also holds the
subscriber's `link_key`, a random value that dies with the row at erasure. The key is not
in the token (the mailto local part must stay under 64 characters); the id in the payload
says whose key to check. So a link from an erased person's email never acts on anyone else,
even if an id were ever given again. Unsubscribe and preferences links do not expire
(RFC 8058 links must keep working); confirmation links do.

Tokens sent before keys existed (signed with the purpose alone) still unsubscribe and open
the preferences of the subscribers that existed then (`legacy_links`); they never confirm.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple, Protocol, TypeVar

from itsdangerous import (
    BadData,
    BadSignature,
    SignatureExpired,
    Signer,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)
from itsdangerous.encoding import base64_decode, base64_encode

from mailer.settings import get_settings

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
PREFERENCES = "preferences"

CONFIRM_MAX_AGE = 7 * 24 * 3600


def new_link_key() -> str:
    """A subscriber's link key: 96 random bits, URL-safe (16 characters)."""
    return secrets.token_urlsafe(12)


class Holder(Protocol):
    """What a token is checked against: the subscriber's key, and whether tokens made
    before keys existed are still honoured for them."""

    link_key: str
    legacy_links: bool


H = TypeVar("H", bound=Holder)


class Signed(NamedTuple):
    """What a token proves: the subscriber, and for links in a campaign's email, the campaign
    (so that an unsubscribe is counted against the issue that caused it)."""

    subscriber_id: int
    campaign_id: int | None = None


class InvalidToken(Exception):
    """A token that was tampered with, made for another purpose or person, has expired, or
    whose subscriber is gone."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid", "expired" or "gone"


def _serializer(secret: str, purpose: str, key: str | None) -> URLSafeSerializer:
    salt = purpose if key is None else f"{purpose}:{key}"
    if purpose == CONFIRM:
        return URLSafeTimedSerializer(secret, salt=salt)
    return URLSafeSerializer(secret, salt=salt)


def make(purpose: str, subscriber_id: int, key: str, campaign_id: int | None = None,
         secret: str | None = None) -> str:
    """A token for `purpose` (CONFIRM, UNSUBSCRIBE, PREFERENCES) bound to the subscriber's
    `key`; campaign links carry the campaign's id."""
    payload = subscriber_id if campaign_id is None else (subscriber_id, campaign_id)
    secret = secret or get_settings().secret
    if purpose == CONFIRM:  # timestamped: made fresh
        return _serializer(secret, purpose, key).dumps(payload)
    return _cached(secret, purpose, key, payload)


# One message asks for the same recipient's unsubscribe token three times (footer link,
# https and mailto List-Unsubscribe); a few recent ones are kept.
@lru_cache(maxsize=8)
def _cached(secret: str, purpose: str, key: str, payload: int | tuple[int, int]) -> str:
    return _serializer(secret, purpose, key).dumps(payload)


# The longest payload of two ids that never shrinks under zlib by the 2 bytes itsdangerous's
# URL-safe serializer asks of it (tried over every such JSON: compressibility depends only on
# which digits repeat where); up to it, the payload is written without that attempt.
NEVER_COMPRESSED = 15


def make_campaign_pair(subscriber_id: int, key: str, campaign_id: int,
                       secret: str | None = None) -> tuple[str, str]:
    """The UNSUBSCRIBE and PREFERENCES tokens of one recipient of a campaign, exactly as
    `make` gives them: the payload (the same for both) is encoded once and signed twice,
    each signature with its own purpose and the subscriber's key in the salt.

    Made for every message sent, so without what these tokens never need: a serializer
    per call, and zlib's try at a payload too short to shrink (setting up a zlib stream
    costs more than both signatures). tests/test_tokens.py checks both ways give the same."""
    secret = secret or get_settings().secret
    json = f"[{int(subscriber_id)},{int(campaign_id)}]"
    payload = (base64_encode(json) if len(json) <= NEVER_COMPRESSED else
               _serializer(secret, UNSUBSCRIBE, key).dump_payload([subscriber_id, campaign_id]))
    return (Signer(secret, salt=f"{UNSUBSCRIBE}:{key}").sign(payload).decode(),
            Signer(secret, salt=f"{PREFERENCES}:{key}").sign(payload).decode())


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _signed(value: object) -> Signed:
    if _is_id(value):
        return Signed(value)  # type: ignore[arg-type]
    if isinstance(value, list) and len(value) == 2 and all(map(_is_id, value)):
        return Signed(*value)
    raise InvalidToken("invalid")


_PART = re.compile(r"[A-Za-z0-9_-]+")


def exact(token: str) -> bool:
    """Whether `token` is written exactly as `make` writes it. itsdangerous decodes base64
    leniently: `=` padding added at the end, or a last character whose unused low bits
    differ (`…Ac` read as `…Ad`), give the same bytes, so a link with junk appended would
    still act. Each part must be unpadded URL-safe base64 that encodes back to itself."""
    parts = token.removeprefix(".").split(".")  # a leading "." marks a compressed payload
    try:
        return len(parts) in (2, 3) and all(
            _PART.fullmatch(part) and base64_encode(base64_decode(part)).decode() == part
            for part in parts)
    except BadData:  # a part of a length base64 never has (4n + 1): `a.b.c` was a 500
        return False


def read(purpose: str, token: str, find: Callable[[int], H | None],
         secret: str | None = None) -> tuple[Signed, H]:
    """What a token signs, and its holder as `find(subscriber_id)` returns it.

    Raises InvalidToken: "gone" when `find` returns None, "expired" for an old confirmation
    link, "invalid" when the signature is not ours for this purpose and this person."""
    secret = secret or get_settings().secret
    if not exact(token):
        raise InvalidToken("invalid")
    # The payload before its signature is checked: only to know whose key to check it with.
    _valid, value = _serializer(secret, purpose, None).loads_unsafe(token)
    signed = _signed(value)
    holder = find(signed.subscriber_id)
    if holder is None:
        raise InvalidToken("gone")
    keys: list[str | None] = [holder.link_key]
    if holder.legacy_links and purpose != CONFIRM:
        keys.append(None)
    for key in keys:
        serializer = _serializer(secret, purpose, key)
        try:
            if isinstance(serializer, URLSafeTimedSerializer):
                serializer.loads(token, max_age=CONFIRM_MAX_AGE)
            else:
                serializer.loads(token)
        except SignatureExpired as error:
            raise InvalidToken("expired") from error
        except BadSignature:
            continue
        return signed, holder
    raise InvalidToken("invalid")
