"""One message that came back, handled once: analysed, recorded, applied, in one commit."""

from __future__ import annotations

import hashlib
from email.parser import BytesHeaderParser

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer.bounces import classify, notes, policy, provenance
from mailer.bounces.charsets import message_text
from mailer.bounces.models import BounceEvent
from mailer.settings import get_settings
from subscribers.models import Subscriber
from subscribers.optout import mailto_unsubscribe


def message_key(raw: bytes) -> str:
    """The Message-ID, or a digest of the message when it has none."""
    message_id = BytesHeaderParser().parsebytes(raw).get("Message-ID", "").strip()
    return message_id[:300] or "sha256:" + hashlib.sha256(raw).hexdigest()


def handle(session: Session, raw: bytes, source: str = "imap") -> BounceEvent:
    """The event for this message (its first recipient's): the one recorded before, or new
    ones, one per failed recipient, with their effects applied when the report is tied to
    a message we sent (mailer.bounces.provenance), held for review when not. The caller
    commits; nothing is applied twice. A report naming many addresses costs a few queries,
    not a few per address: its keys and its subscribers are read once."""
    key = message_key(raw)
    known = session.scalar(select(BounceEvent).where(BounceEvent.key == key))
    if known is not None:
        return known
    findings = classify.analyse_all(raw, get_settings().secret)  # never raises
    findings = provenance.screen(session, findings)
    keys = [key, *(f"{key}#{number}"[:300] for number in range(2, len(findings) + 1))]
    # A key cut to 300 characters may repeat; another message may hold one: each once.
    taken = set(session.scalars(select(BounceEvent.key).where(BounceEvent.key.in_(keys[1:])))
                ) if len(keys) > 1 else set()
    subscribers = policy.subscribers_named(session, findings)
    first = _add(session, key, findings[0], source, message_text(raw),
                 subscribers)  # the report is kept once, as text that reads right
    taken.add(key)
    for finding, other in zip(findings[1:], keys[1:], strict=True):
        if other not in taken:
            taken.add(other)
            _add(session, other, finding, source, None, subscribers)
    session.flush()
    return first


def record(session: Session, key: str, finding: classify.Finding, source: str,
           raw: str | None) -> BounceEvent:
    """Apply a finding once: a key already recorded returns its event and changes nothing."""
    known = session.scalar(select(BounceEvent).where(BounceEvent.key == key))
    if known is not None:
        return known
    event = _add(session, key, finding, source, raw)
    session.flush()
    return event


def _add(session: Session, key: str, finding: classify.Finding, source: str,
         raw: str | None, subscribers: dict[str, Subscriber] | None = None) -> BounceEvent:
    """Apply a finding and add its event (new key); `subscribers`: policy.apply's."""
    if finding.kind == classify.UNSUBSCRIBE:
        _unsubscribe(session, finding)
    elif finding.kind in (classify.HARD, classify.SOFT, classify.DELAY, classify.COMPLAINT):
        subscriber = policy.apply(session, finding, subscribers)
        if subscriber is not None and finding.subscriber_id is None:
            finding.subscriber_id = subscriber.id
    event = BounceEvent(
        key=key, source=source, kind=finding.kind, recipient=finding.recipient,
        domain=finding.domain, status=finding.status,
        reason=_storable(finding.reason[:300]) or None,
        cause=str(finding.cause) if finding.kind in classify.BOUNCES else None,
        fault=str(finding.fault) if finding.kind in classify.BOUNCES else None,
        campaign_id=finding.campaign_id, subscriber_id=finding.subscriber_id,
        notes=finding.notes or None,
        raw=_storable(raw) if finding.kind != classify.UNSUBSCRIBE else None,
    )
    session.add(event)
    return event


def _unsubscribe(session: Session, finding: classify.Finding) -> None:
    """Honour a List-Unsubscribe mailto. One that changed nobody (a token not ours, forged
    or altered, or a person off the list already) is recorded as no unsubscribe, saying
    why: counted as one, it made `bounces report` tell of people who never left."""
    found = mailto_unsubscribe(session, finding.recipient or "")
    if found is not None and found[1]:
        finding.subscriber_id = found[0].id
        return
    finding.kind = classify.NOT_BOUNCE
    finding.notes = [*finding.notes, notes.note(
        notes.UNSUBSCRIBE_NOT_OURS if found is None else notes.UNSUBSCRIBE_ALREADY_OFF)]


def _storable(text: str | None) -> str | None:
    """`text` with each NUL as U+2400 (␀), seen where it was: PostgreSQL refuses NUL in
    text, and a report holding one stopped the mailbox on it."""
    return text.replace("\x00", "\u2400") if text else text


def is_recognised(event: BounceEvent) -> bool:
    """Whether the event needs no person: neither unplaced nor held."""
    return event.kind not in classify.WAITING

