"""Signed tokens for the links in emails: HMAC (itsdangerous), never a bare id.

Each purpose has its own salt, so a token made for one link is refused by another.
Unsubscribe and preferences links do not expire (RFC 8058 links must keep working);
confirmation links do.
"""

from __future__ import annotations

from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from mailer.settings import get_settings

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
PREFERENCES = "preferences"

CONFIRM_MAX_AGE = 7 * 24 * 3600


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


def make(purpose: str, subscriber_id: int, secret: str | None = None) -> str:
    return _make(secret or get_settings().secret, purpose, subscriber_id)


# One message asks for the same recipient's unsubscribe token three times (footer link,
# https and mailto List-Unsubscribe); a few recent ones are kept. Confirmation tokens
# carry a timestamp and are made fresh.
@lru_cache(maxsize=8)
def _cached(secret: str, purpose: str, subscriber_id: int) -> str:
    return _serializer(secret, purpose).dumps(subscriber_id)


def _make(secret: str, purpose: str, subscriber_id: int) -> str:
    if purpose == CONFIRM:
        return _serializer(secret, purpose).dumps(subscriber_id)
    return _cached(secret, purpose, subscriber_id)


def read(purpose: str, token: str, secret: str | None = None) -> int:
    """The subscriber id in a token; InvalidToken if it is not one of ours or has expired."""
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
    if not isinstance(value, int):
        raise InvalidToken("invalid")
    return value
