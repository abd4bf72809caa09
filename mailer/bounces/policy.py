"""What a finding does to a subscriber (Mailman-like, thresholds in the settings).

A hard bounce suppresses at once; soft bounces add one point a day at most, the score
starts again when the last bounce is older than the window, and the threshold suppresses;
a complaint unsubscribes and suppresses; a later successful delivery takes a point off
(workers.sending, once per batch).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer.bounces import classify
from mailer.bounces.classify import Finding
from mailer.settings import get_settings
from subscribers.models import EventKind, Status, Subscriber, as_utc, normalise_email, utcnow
from subscribers.service import log_event, set_status


def _subscriber(session: Session, finding: Finding) -> Subscriber | None:
    if finding.subscriber_id:
        return session.get(Subscriber, finding.subscriber_id)
    if finding.recipient:
        return session.scalar(select(Subscriber).where(
            Subscriber.email == normalise_email(finding.recipient)))
    return None


def apply(session: Session, finding: Finding) -> Subscriber | None:
    settings = get_settings()
    subscriber = _subscriber(session, finding)
    if subscriber is None or subscriber.status != Status.SUBSCRIBED:
        return subscriber
    detail = {"smtp_status": finding.status, "reason": finding.reason[:200],
              "class": finding.kind}
    if finding.kind == classify.COMPLAINT:
        set_status(session, subscriber, Status.COMPLAINED, EventKind.COMPLAINED,
                   campaign_id=finding.campaign_id, **detail)
    elif finding.kind == classify.HARD:
        set_status(session, subscriber, Status.BOUNCED, EventKind.BOUNCED,
                   campaign_id=finding.campaign_id, **detail)
    elif finding.kind in (classify.SOFT, classify.DELAY):
        now = utcnow()
        last = as_utc(subscriber.last_bounce_at) if subscriber.last_bounce_at else None
        if last and now - last > dt.timedelta(days=settings.bounce_window_days):
            subscriber.bounce_score = 0.0  # stale: start again
        if finding.kind == classify.SOFT and (last is None or last.date() != now.date()):
            subscriber.bounce_score += 1.0  # at most one point a day
        subscriber.last_bounce_at = now
        log_event(session, subscriber, EventKind.BOUNCED, campaign_id=finding.campaign_id,
                  score=subscriber.bounce_score, **detail)
        if subscriber.bounce_score >= settings.bounce_score_threshold:
            set_status(session, subscriber, Status.BOUNCED, EventKind.BOUNCED,
                       campaign_id=finding.campaign_id, reason="soft bounce score reached")
    return subscriber

