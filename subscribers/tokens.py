"""Signed tokens for the links in emails: HMAC (itsdangerous), never a bare id.

Each purpose has its own salt, so a token made for one link is refused by another.
Unsubscribe and preferences links do not expire (RFC 8058 links must keep working);
confirmation links do.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from mailer.settings import get_settings

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
PREFERENCES = "preferences"

CONFIRM_MAX_AGE = 7 * 24 * 3600


class Signed(NamedTuple):
    """What a token proves: the subscriber, and for links in a campaign's email, the campaign
    (so that an unsubscribe is counted against the issue that caused it)."""

    subscriber_id: int
    campaign_id: int | None = None


class InvalidToken(Exception):
    """A token that was tampered with, made for another purpose, or has expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid" or "expired"


@lru_cache(maxsize=16)
def _serializer(secret: str, purpose: str) -> URLSafeSerializer:
    if purpose == CONFIRM:
        return URLSafeTimedSerializer(secret, salt=purpose)
    return URLSafeSerializer(secret, salt=purpose)


def make(
    purpose: str, subscriber_id: int, campaign_id: int | None = None, secret: str | None = None
) -> str:
    # Tokens from before campaigns were carried hold the bare id; read() accepts both forms.
    payload = subscriber_id if campaign_id is None else (subscriber_id, campaign_id)
    return _make(secret or get_settings().secret, purpose, payload)


# One message asks for the same recipient's unsubscribe token three times (footer link,
# https and mailto List-Unsubscribe); a few recent ones are kept. Confirmation tokens
# carry a timestamp and are made fresh.
@lru_cache(maxsize=8)
def _cached(secret: str, purpose: str, payload: int | tuple[int, int]) -> str:
    return _serializer(secret, purpose).dumps(payload)


def _make(secret: str, purpose: str, payload: int | tuple[int, int]) -> str:
    if purpose == CONFIRM:
        return _serializer(secret, purpose).dumps(payload)
    return _cached(secret, purpose, payload)


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def read(purpose: str, token: str, secret: str | None = None) -> Signed:
    """What a token signs; InvalidToken if it is not one of ours or has expired."""
    serializer = _serializer(secret or get_settings().secret, purpose)
    try:
        if isinstance(serializer, URLSafeTimedSerializer):
            value = serializer.loads(token, max_age=CONFIRM_MAX_AGE)
        else:
            value = serializer.loads(token)
    except SignatureExpired as error:
        raise InvalidToken("expired") from error
    except BadSignature as error:
        raise InvalidToken("invalid") from error
    if _is_id(value):
        return Signed(value)
    if isinstance(value, list) and len(value) == 2 and all(map(_is_id, value)):
        return Signed(*value)
    raise InvalidToken("invalid")
