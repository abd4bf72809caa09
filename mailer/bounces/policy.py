"""What a finding does to a subscriber: a small state machine, thresholds in the settings.

Mailman's bounce score, fitted to a newsletter sent every few months rather than a list
with daily traffic:

- a hard bounce suppresses at once (HARD): only a permanent failure of the address itself
  (user unknown, host unknown, account disabled; see mailer.bounces.reasons);
- a failure that is the sender's or the path's (authentication, reputation, content, size,
  rate, relay, network) never touches the subscriber: it is recorded against its campaign
  and shown to staff, and on the person's page as a refusal that counts nothing
  (SENDER_SIDE);
- a complaint unsubscribes and suppresses (COMPLAINT);
- a soft bounce adds one point per campaign (per day when the campaign is unknown), so
  that the retries and reports of one issue count once (SOFT);
- the score starts again when the last soft bounce is older than `bounce_window_days`
  (STALE), and reaching `bounce_score_threshold` suppresses (THRESHOLD);
- a delay notice is recorded and counts nothing: the message may still arrive (DELAY).

A relay's acceptance is not a delivery (the receiving server may bounce it an hour later),
so sending never takes points off.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer.bounces import classify
from mailer.bounces.classify import Finding
from mailer.bounces.reasons import Fault
from mailer.settings import get_settings
from subscribers.models import (
    EventKind,
    Status,
    Subscriber,
    SubscriberEvent,
    normalise_email,
    utcnow,
)
from subscribers.service import log_event, set_status


def _subscriber(session: Session, finding: Finding) -> Subscriber | None:
    if finding.subscriber_id:
        return session.get(Subscriber, finding.subscriber_id)
    if finding.recipient:
        return session.scalar(select(Subscriber).where(
            Subscriber.email == normalise_email(finding.recipient)))
    return None


def apply(session: Session, finding: Finding) -> Subscriber | None:
    subscriber = _subscriber(session, finding)
    if subscriber is None or subscriber.status != Status.SUBSCRIBED:
        return subscriber
    detail = {"smtp_status": finding.status, "reason": finding.reason[:200],
              "class": finding.kind, "cause": str(finding.cause)}
    if counts_nothing(finding):  # shown on the person's page, held against nobody
        log_event(session, subscriber, EventKind.REFUSED, campaign_id=finding.campaign_id,
                  **detail)
        return subscriber
    if finding.kind == classify.COMPLAINT:
        set_status(session, subscriber, Status.COMPLAINED, EventKind.COMPLAINED,
                   campaign_id=finding.campaign_id, **detail)
    elif finding.kind == classify.HARD:
        set_status(session, subscriber, Status.BOUNCED, EventKind.BOUNCED,
                   campaign_id=finding.campaign_id, **detail)
    elif finding.kind == classify.SOFT:
        _soft(session, subscriber, finding, detail)
    elif finding.kind == classify.DELAY:
        log_event(session, subscriber, EventKind.DELAYED, campaign_id=finding.campaign_id,
                  **detail)
    return subscriber


def counts_nothing(finding: Finding) -> bool:
    """A bounce that is the sender's or the path's: not the subscriber's to pay for."""
    return finding.kind in (classify.HARD, classify.SOFT) and \
        finding.fault in (Fault.SENDER, Fault.PATH)


def _soft(session: Session, subscriber: Subscriber, finding: Finding, detail: dict) -> None:
    settings = get_settings()
    now = utcnow()
    last = subscriber.last_bounce_at
    if last and now - last > dt.timedelta(days=settings.bounce_window_days):
        subscriber.bounce_score = 0.0  # stale: start again
    if not _counted(session, subscriber, finding, last, now):
        subscriber.bounce_score += 1.0
    subscriber.last_bounce_at = now
    log_event(session, subscriber, EventKind.BOUNCED, campaign_id=finding.campaign_id,
              score=subscriber.bounce_score, **detail)
    if subscriber.bounce_score >= settings.bounce_score_threshold:
        set_status(session, subscriber, Status.BOUNCED, EventKind.BOUNCED,
                   campaign_id=finding.campaign_id, reason="soft bounce score reached")


def _counted(session: Session, subscriber: Subscriber, finding: Finding,
             last: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether this bounce's campaign (or, without one, this day) has its point already."""
    if finding.campaign_id is None:
        return last is not None and last.date() == now.date()
    return session.scalar(select(SubscriberEvent.id).where(
        SubscriberEvent.subscriber_id == subscriber.id,
        SubscriberEvent.kind == EventKind.BOUNCED,
        SubscriberEvent.campaign_id == finding.campaign_id).limit(1)) is not None
