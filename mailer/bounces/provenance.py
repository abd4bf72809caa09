"""Whether a returned report may change a subscriber, and how far: only one about a
message we sent, and fully only when our signed return path says so.

Anyone can write to the bounce address. A delivery-status report (RFC 3464), an MTA's
prose bounce or a feedback report (ARF, RFC 5965) costs nothing to forge, and a stray one
(another sender's, a forwarder's) does the same harm. A finding acts on a subscriber when

- our VERP return path (mailer.verp, HMAC-signed) ties it to a message: fully, on that
  person, whatever address the report names (a forwarded mailbox reports where it
  forwarded to);
- or, without it, we sent that address a message in the last `bounce_sent_days` days (a
  delivery `sent`, or `unknown`: the relay may have taken it): on that address, but never
  at once. Every message we send carries our VERP, so a standards-following MTA bounces it
  there and a feedback loop returns it in its copy; a report without it is weaker
  evidence, and someone who knows our subscribers' addresses could write one per person.
  Its hard bounce counts as a soft bounce (one point for the campaign of that delivery:
  the score and its window decide, mailer.bounces.policy), the reason said in the
  person's history; its complaint is HELD;
- or it comes from a provider's webhook, authenticated (mailer.bounces.webhooks), which
  lists the recipients of what went through the provider, one finding each: each acts
  fully for an address we sent to.

A report to an address shaped like our VERP whose MAC does not verify (forged, or damaged
in transit) is HELD whole, never matched by the address it names: whoever wrote it knows
our VERP's shape and chose the person. After a change of `secret`, genuine late reports
to the old signature are held too: safe, and each can be reviewed.

A report without VERP naming several addresses, one of them a subscriber's, is held whole:
we send one message per recipient, so a bounce of ours names one person. One naming more
than `MOST_RECIPIENTS` addresses (mailer.bounces.finding) is held whole before any of them
is looked up, whoever they are: its cost stays that of one report.

What is not believed is recorded as HELD: it changes nobody and waits in the bounce list,
its reason said (a code of mailer.bounces.notes, in each member's words), for a person's
verdict (mailer.bounces.review). Findings about addresses that are no subscriber's
(backscatter of mail forged in our name) change nobody anyway and are recorded as they are.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mailer.bounces import notes
from mailer.bounces.finding import COMPLAINT, DELAY, HARD, HELD, MOST_RECIPIENTS, SOFT, Finding
from mailer.bounces.reasons import Fault
from mailer.db import utcnow
from mailer.settings import get_settings
from subscribers.models import Subscriber, normalise_email
from workers.models import Campaign, Delivery, DeliveryState

ACTING = (HARD, SOFT, DELAY, COMPLAINT)  # the kinds that change or mark a subscriber


def screen(session: Session, findings: list[Finding], authenticated: bool = False
           ) -> list[Finding]:
    """`findings` of one report (classify.analyse_all, or a provider's webhook when
    `authenticated`) as they may act: those tied to a message of ours by VERP unchanged,
    the others tied to our last delivery to their address (named by `tied_to` in their
    detail, its campaign by `tied_campaign`) or turned HELD; tied so, a mailbox's hard
    bounce becomes SOFT and its complaint HELD (a webhook's act as they are). A report
    naming several subscribers without VERP, or more than MOST_RECIPIENTS addresses, becomes
    one HELD finding; one to a VERP that is not ours (classify's `verp_not_ours`) is HELD.
    Reads the database (a few queries, however many addresses), changes nothing."""
    if len(findings) > MOST_RECIPIENTS and not authenticated:
        return [_too_many(findings)]
    for finding in findings:
        if finding.kind in ACTING and finding.subscriber_id is None \
                and finding.detail.get("verp_not_ours"):
            # Includes genuine reports signed with a secret since rotated: held, reviewable.
            _hold(finding, notes.HELD_NOT_OUR_VERP, address=finding.detail["verp_not_ours"])
    loose = [f for f in findings if f.kind in ACTING and f.subscriber_id is None
             and f.recipient]
    if not loose:
        return findings
    named = list(dict.fromkeys(normalise_email(f.recipient or "") for f in loose))
    ours = set(session.scalars(select(Subscriber.email).where(Subscriber.email.in_(named))))
    if not ours:
        return findings  # nobody of ours: it can change nobody
    if len(named) > 1 and not authenticated:
        return [_several(findings[0], named, ours)]
    days = get_settings().bounce_sent_days
    deliveries: dict[str, Delivery | None] = {}  # a report may name one address many times
    for finding in loose:
        email = normalise_email(finding.recipient or "")
        if email not in ours:
            continue
        if email not in deliveries:
            deliveries[email] = last_delivery(session, email, days)
        sent = deliveries[email]
        if sent is None:
            _hold(finding, notes.HELD_NOT_SENT, days=days)
        else:  # named in the person's history; its campaign is not assumed to be this one's
            finding.detail["tied_to"] = f"delivery {sent.id} (campaign {sent.campaign_id})"
            finding.detail["tied_campaign"] = sent.campaign_id
            if not authenticated:
                _weaken(finding)
    return findings


def _weaken(finding: Finding) -> None:
    """A mailbox report tied only by a delivery never suppresses at once."""
    if finding.kind == COMPLAINT:
        _hold(finding, notes.HELD_NO_VERP_COMPLAINT)
    elif finding.kind == HARD and finding.fault not in (Fault.SENDER, Fault.PATH):
        finding.kind = SOFT  # a sender's or path's failure counts nothing either way
        finding.notes.append(notes.note(notes.AS_SOFT))  # said in the person's history


def last_delivery(session: Session, email: str, days: int) -> Delivery | None:
    """Our latest delivery to subscriber address `email` (normalised) in the last `days`
    days that the relay took or may have taken (state sent or unknown), or None."""
    since = utcnow() - dt.timedelta(days=days)
    subscriber_id = select(Subscriber.id).where(Subscriber.email == email).scalar_subquery()
    # Campaigns still sending or finished within the window: few, and the delivery's
    # unique (campaign, subscriber) index then finds the row without reading the table.
    recent = select(Campaign.id).where(or_(Campaign.finished_at.is_(None),
                                           Campaign.finished_at >= since))
    return session.scalars(
        select(Delivery).where(
            Delivery.campaign_id.in_(recent), Delivery.subscriber_id == subscriber_id,
            Delivery.email == email, Delivery.updated_at >= since,
            Delivery.state.in_((DeliveryState.SENT, DeliveryState.UNKNOWN)))
        .order_by(Delivery.updated_at.desc()).limit(1)).first()


def _hold(finding: Finding, code: str, **values: object) -> None:
    """Hold `finding`, saying why by `code` (mailer.bounces.notes) and its values, with the
    kind and status it had, before what the finding said of itself."""
    finding.notes.insert(0, notes.note(code, kind=finding.kind,
                                       status=finding.status or "", **values))
    finding.kind = HELD


def _shown(named: list[str]) -> str:
    return ", ".join(named[:3]) + (", …" if len(named) > 3 else "")


def _several(first: Finding, named: list[str], ours: set[str]) -> Finding:
    held = Finding(first.kind, None, first.status, campaign_id=first.campaign_id)
    _hold(held, notes.HELD_SEVERAL, count=len(named), shown=_shown(named),
          subscribers=len(ours), ours=_shown([email for email in named if email in ours]))
    return held


def _too_many(findings: list[Finding]) -> Finding:
    """The one HELD finding of a report naming more addresses than we read one by one."""
    first = findings[0]
    named = list(dict.fromkeys(f.recipient for f in findings if f.recipient))
    held = Finding(first.kind, None, first.status, campaign_id=first.campaign_id)
    _hold(held, notes.HELD_TOO_MANY, count=len(findings), most=MOST_RECIPIENTS,
          shown=_shown(named))
    return held
