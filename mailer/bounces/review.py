"""A person's verdict on a message the classifier could not place (kind `unknown`) or that
no message of ours could be tied to (kind `held`, mailer.bounces.provenance), both in the
mailbox folder `needs-review`: the same policy then applies as if it had been recognised.
Staff choose, so their verdict needs no proof of a delivery."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mailer.bounces import classify, notes, policy
from mailer.bounces.models import BounceEvent

VERDICTS = (classify.HARD, classify.SOFT, classify.COMPLAINT, classify.NOT_BOUNCE)


class AlreadyReviewed(Exception):
    """The event was recognised, or reviewed before: a second verdict would apply twice."""


def review(session: Session, event: BounceEvent, verdict: str, recipient: str | None,
           reviewer: str) -> None:
    """Apply `verdict` to `event` for `recipient` (a checked address, or None)."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    if event.kind not in classify.WAITING:
        raise AlreadyReviewed(event.kind)
    reviewed = notes.note(notes.REVIEWED, by=reviewer)
    finding = classify.Finding(verdict, recipient, campaign_id=event.campaign_id,
                               notes=[reviewed])
    if verdict != classify.NOT_BOUNCE:
        subscriber = policy.apply(session, finding)
        event.subscriber_id = subscriber.id if subscriber is not None else None
    event.kind, event.recipient, event.domain = verdict, recipient, finding.domain
    event.notes = [*(event.notes or []), reviewed]  # a new list: JSON columns see no append
