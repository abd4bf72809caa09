"""Amazon SNS messages (SES notifications): signature checked before anything is believed.

The signing certificate is fetched only from `https://sns.<region>.amazonaws.com/…`, and
kept; a subscription is confirmed by visiting its SubscribeURL only when that is an SNS
URL too. Both fetches go through `fetch`, which tests replace (no network here).
"""

from __future__ import annotations

import base64
import re
import urllib.request
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

_SNS_URL = re.compile(r"^https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")
_NOTIFICATION = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_SUBSCRIPTION = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                 "Type")


class Forged(Exception):
    """A message whose signature or URLs are not Amazon's."""


class Unverifiable(Exception):
    """The signing certificate (or the subscription URL) could not be fetched or read."""


def fetch(url: str) -> bytes:
    if not _SNS_URL.match(url):
        raise Forged(f"not an SNS URL: {url}")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (checked above)
        return response.read()


@lru_cache(maxsize=16)
def _certificate(url: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(fetch(url))


def _certificate_or_raise(url: str) -> x509.Certificate:
    try:
        return _certificate(url)  # failures are not cached: the next call tries again
    except (OSError, ValueError) as error:  # URLError, timeouts, HTTP errors, bad PEM
        raise Unverifiable(f"signing certificate: {error}") from error


def verify(message: dict) -> None:
    """Raise Forged unless the message carries a valid SNS signature; Unverifiable when its
    certificate cannot be had."""
    url = message.get("SigningCertURL", "")
    if not _SNS_URL.match(url):
        raise Forged("signing certificate not from SNS")
    fields = _NOTIFICATION if message.get("Type") == "Notification" else _SUBSCRIPTION
    text = "".join(f"{name}\n{message[name]}\n" for name in fields if name in message)
    # SignatureVersion 1 is SHA1 by Amazon's definition; 2 is SHA256.
    algorithm = hashes.SHA256() if message.get("SignatureVersion") == "2" else hashes.SHA1()  # noqa: S303
    try:
        _certificate_or_raise(url).public_key().verify(
            base64.b64decode(message.get("Signature", "")), text.encode(),
            padding.PKCS1v15(), algorithm)
    except (InvalidSignature, ValueError, TypeError) as error:
        raise Forged("bad signature") from error


def confirm(message: dict) -> None:
    url = message.get("SubscribeURL", "")
    if not _SNS_URL.match(url):
        raise Forged("SubscribeURL not from SNS")
    try:
        fetch(url)
    except OSError as error:
        raise Unverifiable(f"SubscribeURL: {error}") from error
