"""One message that came back, handled once: analysed, recorded, applied, in one commit."""

from __future__ import annotations

import hashlib
from email.parser import BytesHeaderParser

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer.bounces import classify, policy, provenance
from mailer.bounces.models import BounceEvent
from mailer.settings import get_settings
from subscribers.optout import unsubscribe_by_mailto


def message_key(raw: bytes) -> str:
    """The Message-ID, or a digest of the message when it has none."""
    message_id = BytesHeaderParser().parsebytes(raw).get("Message-ID", "").strip()
    return message_id[:300] or "sha256:" + hashlib.sha256(raw).hexdigest()


def handle(session: Session, raw: bytes, source: str = "imap") -> BounceEvent:
    """The event for this message (its first recipient's): the one recorded before, or new
    ones, one per failed recipient, with their effects applied when the report is tied to
    a message we sent (mailer.bounces.provenance), held for review when not. The caller
    commits; nothing is applied twice."""
    key = message_key(raw)
    known = session.scalar(select(BounceEvent).where(BounceEvent.key == key))
    if known is not None:
        return known
    findings = classify.analyse_all(raw, get_settings().secret)  # never raises
    findings = provenance.screen(session, findings)
    text = raw.decode("utf-8", "replace")
    first = record(session, key, findings[0], source, text)
    for number, finding in enumerate(findings[1:], start=2):  # the report is kept once
        record(session, f"{key}#{number}"[:300], finding, source, None)
    return first


def record(session: Session, key: str, finding: classify.Finding, source: str,
           raw: str | None) -> BounceEvent:
    """Apply a finding once: a key already recorded returns its event and changes nothing."""
    known = session.scalar(select(BounceEvent).where(BounceEvent.key == key))
    if known is not None:
        return known
    if finding.kind == classify.UNSUBSCRIBE:
        unsubscribe_by_mailto(session, finding.recipient or "")
    elif finding.kind in (classify.HARD, classify.SOFT, classify.DELAY, classify.COMPLAINT):
        subscriber = policy.apply(session, finding)
        if subscriber is not None and finding.subscriber_id is None:
            finding.subscriber_id = subscriber.id
    event = BounceEvent(
        key=key, source=source, kind=finding.kind, recipient=finding.recipient,
        domain=finding.domain, status=finding.status, reason=finding.reason[:300] or None,
        cause=str(finding.cause) if finding.kind in classify.BOUNCES else None,
        fault=str(finding.fault) if finding.kind in classify.BOUNCES else None,
        campaign_id=finding.campaign_id, subscriber_id=finding.subscriber_id,
        notes=finding.notes or None,
        raw=raw if finding.kind != classify.UNSUBSCRIBE else None,
    )
    session.add(event)
    session.flush()
    return event


def is_recognised(event: BounceEvent) -> bool:
    """Whether the event needs no person: neither unplaced nor held."""
    return event.kind not in classify.WAITING

