"""VERP return paths: `bounces+c<campaign>.s<subscriber>.<mac>@domain`.

A bounce comes back to an address that names the campaign and the subscriber; a short
HMAC keeps strangers from forging bounces that would unsubscribe people. Lower case
only, since some MTAs fold the local part.
"""

from __future__ import annotations

import hashlib
import hmac
import re

PREFIX = "bounces"
_PATTERN = re.compile(rf"^{PREFIX}\+c(\d+)\.s(\d+)\.([0-9a-f]{{10}})@", re.IGNORECASE)


def _mac(secret: str, campaign_id: int, subscriber_id: int) -> str:
    message = f"{campaign_id}.{subscriber_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:10]


def encode(secret: str, domain: str, campaign_id: int, subscriber_id: int) -> str:
    mac = _mac(secret, campaign_id, subscriber_id)
    return f"{PREFIX}+c{campaign_id}.s{subscriber_id}.{mac}@{domain}"


def shaped(address: str) -> bool:
    """Whether `address` has the shape of our VERP, whether or not its MAC verifies."""
    return bool(_PATTERN.match(address.strip().strip("<>")))


def decode(secret: str, address: str) -> tuple[int, int] | None:
    """(campaign_id, subscriber_id) of a VERP address, or None if absent or forged."""
    match = _PATTERN.match(address.strip().strip("<>"))
    if not match:
        return None
    campaign_id, subscriber_id, mac = int(match[1]), int(match[2]), match[3].lower()
    if not hmac.compare_digest(mac, _mac(secret, campaign_id, subscriber_id)):
        return None
    return campaign_id, subscriber_id
