"""Relay webhooks accepted once: a proof (Mailgun's token, an SNS signature) is kept for the
provider's freshness window and refused when presented again; a call older than the window
is refused too, so nothing needs keeping longer. Events themselves are applied once by the
provider's event id (`process.record`), forever.

Windows: Mailgun signs a timestamp and asks that calls older than a few minutes be refused
(15 here); SNS retries an HTTP endpoint for at most an hour; Postmark retries a webhook
for about ten hours, so a day is allowed from the bounce's own time.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from mailer.bounces.models import WebhookProof
from mailer.db import utcnow

WINDOWS = {
    "mailgun": timedelta(minutes=15),
    "ses": timedelta(hours=1),
    "postmark": timedelta(hours=24),
}


def fresh(provider: str, moment: datetime) -> bool:
    """Whether a call made at `moment` (aware) is within the provider's window, either way
    (a clock a little ahead of ours is as suspect as one far behind)."""
    return abs(utcnow() - moment) <= WINDOWS[provider]


def first_use(session: Session, provider: str, proof: str) -> bool:
    """Record `proof` as used; False if it was used before (a replay). Proofs older than the
    window are forgotten: a call carrying one is refused as stale anyway."""
    window = WINDOWS[provider]
    session.execute(delete(WebhookProof).where(WebhookProof.seen_at < utcnow() - 2 * window))
    key = f"{provider}:" + hashlib.sha256(proof.encode()).hexdigest()
    if session.get(WebhookProof, key) is not None:
        return False
    session.add(WebhookProof(key=key))
    session.flush()  # a concurrent twin fails its commit on the primary key
    return True
