"""What a finding does to a subscriber: a small state machine, thresholds in the settings.

Mailman's bounce score, fitted to a newsletter sent every few months rather than a list
with daily traffic:

- a hard bounce suppresses at once (HARD): only a permanent failure of the address itself
  (user unknown, host unknown, account disabled; see mailer.bounces.reasons), reported by
  the relay while sending, by a report to our VERP return path or by an authenticated
  provider webhook; a mailbox report tied to us only by a delivery arrives here as a soft
  bounce (mailer.bounces.provenance);
- a failure that is the sender's or the path's (authentication, reputation, content, size,
  rate, relay, network) never touches the subscriber: it is recorded against its campaign
  and shown to staff, and on the person's page as a refusal that counts nothing
  (SENDER_SIDE);
- a complaint unsubscribes and suppresses (COMPLAINT); one without our VERP in its copy
  never reaches this: it is held for a person;
- a soft bounce adds one point per campaign (the campaign of the delivery that tied a
  report without VERP; per day when none is known), so that the retries and reports of
  one issue count once (SOFT);
- the score starts again when the last soft bounce is older than `bounce_window_days`
  (STALE), and reaching `bounce_score_threshold` suppresses (THRESHOLD);
- a delay notice is recorded and counts nothing: the message may still arrive (DELAY);
- an expired delivery is a soft bounce of the recipient, unless `bounce_domain_outage`
  recipients of its domain expired in the same campaign: then it is the path's (OUTAGE).

A relay's acceptance is not a delivery (the receiving server may bounce it an hour later),
so sending never takes points off. Reports reach this only when tied to a message we sent
(mailer.bounces.provenance), and suppress at once only when our VERP or a provider's
authenticated webhook ties them; a person's verdict on a held one needs no such tie.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailer.bounces import classify, notes, undo
from mailer.bounces.classify import Finding
from mailer.bounces.models import BounceEvent
from mailer.bounces.reasons import Fault, Reason
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


def subscribers_named(session: Session, findings: list[Finding]) -> dict[str, Subscriber]:
    """The subscribers of the addresses `findings` name (where no VERP names the person),
    by normalised address, in one query: what apply() would look up one by one."""
    named = {normalise_email(f.recipient) for f in findings
             if f.recipient and f.subscriber_id is None}
    if not named:
        return {}
    return {s.email: s for s in session.scalars(select(Subscriber).where(
        Subscriber.email.in_(sorted(named))))}


def _subscriber(session: Session, finding: Finding,
                named: dict[str, Subscriber] | None) -> Subscriber | None:
    if finding.subscriber_id == 0:
        # A test send's return path names nobody, never whoever the report names: anyone
        # sent a test holds that signed address.
        return None
    if finding.subscriber_id:  # our VERP names the person
        return session.get(Subscriber, finding.subscriber_id)
    if finding.recipient:
        email = normalise_email(finding.recipient)
        if named is not None:
            return named.get(email)
        return session.scalar(select(Subscriber).where(Subscriber.email == email))
    return None


def apply(session: Session, finding: Finding,
          named: dict[str, Subscriber] | None = None) -> Subscriber | None:
    """What `finding` does to its subscriber (returned, or None); `named`: the
    subscribers of the report's addresses read before (subscribers_named), if it was."""
    if _domain_outage(session, finding):  # recorded as the path's: held against nobody
        finding.fault = Fault.PATH
    subscriber = _subscriber(session, finding, named)
    if subscriber is None or subscriber.status != Status.SUBSCRIBED:
        return subscriber
    detail = {"smtp_status": finding.status, "reason": finding.reason[:200],
              "class": finding.kind, "cause": str(finding.cause),
              "tied_to": finding.detail.get("tied_to"),  # why it was believed
              "notes": finding.notes or None}  # codes, said in the member's words
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


def _domain_outage(session: Session, finding: Finding) -> bool:
    """Whether this expired delivery is one of many at its domain in its campaign: the path
    to that domain gave out for everyone (a network, our IP's standing with a provider)."""
    if finding.cause != Reason.EXPIRED or finding.campaign_id is None or not finding.domain:
        return False
    others = session.scalar(
        select(func.count(func.distinct(BounceEvent.recipient))).where(
            BounceEvent.campaign_id == finding.campaign_id,
            BounceEvent.cause == str(Reason.EXPIRED), BounceEvent.domain == finding.domain,
            BounceEvent.recipient != finding.recipient))
    return others + 1 >= get_settings().bounce_domain_outage


def counts_nothing(finding: Finding) -> bool:
    """A bounce that is the sender's or the path's: not the subscriber's to pay for."""
    return finding.kind in (classify.HARD, classify.SOFT) and \
        finding.fault in (Fault.SENDER, Fault.PATH)


def _soft(session: Session, subscriber: Subscriber, finding: Finding, detail: dict) -> None:
    settings = get_settings()
    now = utcnow()
    last = subscriber.last_bounce_at
    # A report without VERP: its point is its tying delivery's campaign's, so that forged
    # reports about one send count once however many days they come on.
    campaign_id = finding.campaign_id or finding.detail.get("tied_campaign")
    if last and now - last > dt.timedelta(days=settings.bounce_window_days):
        subscriber.bounce_score = 0.0  # stale: start again
    if not _counted(session, subscriber, campaign_id, last, now):
        subscriber.bounce_score += 1.0
    subscriber.last_bounce_at = now
    log_event(session, subscriber, EventKind.BOUNCED, campaign_id=campaign_id,
              score=subscriber.bounce_score, **detail)
    if subscriber.bounce_score >= settings.bounce_score_threshold:
        # The reasons of the bounces that scored, so that undoing by one of them
        # (mailer.bounces.undo) finds this suppression.
        set_status(session, subscriber, Status.BOUNCED, EventKind.BOUNCED,
                   campaign_id=campaign_id, **{"class": classify.SOFT},
                   notes=[notes.note(notes.SCORE_REACHED, score=subscriber.bounce_score)],
                   causes=undo.scored_causes(session, subscriber.id))


def _counted(session: Session, subscriber: Subscriber, campaign_id: int | None,
             last: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether this bounce's campaign (or, without one, this day) has its point already."""
    if campaign_id is None:
        return last is not None and last.date() == now.date()
    return session.scalar(select(SubscriberEvent.id).where(
        SubscriberEvent.subscriber_id == subscriber.id,
        SubscriberEvent.kind == EventKind.BOUNCED,
        SubscriberEvent.campaign_id == campaign_id).limit(1)) is not None
