"""What the bounce mailbox, the relay's refusals and the webhooks changed on the list: read
from the subscribers' own events (subscribers.service writes one with every change), not
from the reports, which say what came back. A hard bounce for an address no longer on the
list, or a mailto unsubscribe with a forged token, is a report and changes nobody."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer.bounces import notes
from subscribers.models import EventKind, SubscriberEvent

# What `changed` counts, in this order; the command line's words for each.
KINDS = {
    "hard": "suppressed after a hard bounce",
    "score": "suppressed by the soft bounce score",
    "point": "soft bounce points counted (not suppressed)",
    "complained": "complained: unsubscribed and suppressed",
    "mailto": "unsubscribed by email (List-Unsubscribe)",
    "restored": "subscribed again by an undo",
}
_WATCHED = (EventKind.BOUNCED, EventKind.COMPLAINED, EventKind.UNSUBSCRIBED,
            EventKind.RESUBSCRIBED)


def _what(kind: str, detail: dict) -> str | None:
    """The change a subscriber event records (a key of KINDS), or None for another."""
    codes = {str(item.get("code")) for item in detail.get("notes") or ()
             if isinstance(item, dict)}
    if kind == EventKind.BOUNCED:
        if not detail:  # an erased person's: what it did is gone with the details
            return None
        if "score" in detail:  # a point (mailer.bounces.policy._soft), the status kept
            return "point"
        if notes.SCORE_REACHED in codes or detail.get("class") == "soft" \
                or "score" in str(detail.get("reason")):  # an older row: its words
            return "score"
        return "hard"
    if kind == EventKind.COMPLAINED:
        return "complained"
    if kind == EventKind.UNSUBSCRIBED and detail.get("source") == "mailto":
        return "mailto"
    if kind == EventKind.RESUBSCRIBED and str(detail.get("source", "")).endswith(" undo"):
        return "restored"
    return None


def changed(session: Session, since: dt.datetime | None = None) -> Counter:
    """How many subscribers' changes of each of KINDS since `since` (UTC; None: ever)."""
    query = select(SubscriberEvent.kind, SubscriberEvent.detail).where(
        SubscriberEvent.kind.in_(_WATCHED))
    if since is not None:
        query = query.where(SubscriberEvent.at >= since)
    counts: Counter = Counter()
    # Streamed: a list's history holds an event per bounce, complaint and unsubscribe.
    for kind, detail in session.execute(query.execution_options(yield_per=2000)):
        what = _what(kind, detail or {})
        if what is not None:
            counts[what] += 1
    return counts
