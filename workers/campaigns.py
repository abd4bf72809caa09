"""Campaign life: create from rendered editions, plan, recover after a crash, control.

Every step is idempotent and reads its truth from the database, so the broker only has to
say "look at campaign N": a lost or duplicated task message changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailer.db import utcnow
from mailer.edition import Edition
from mailer.settings import get_settings
from workers import audience
from workers.issue_sent import OtherIssue, sent_before
from workers.models import (
    LIVE_STATES,
    Campaign,
    CampaignEdition,
    CampaignState,
    Delivery,
    DeliveryState,
)


def batch_size() -> int:
    """Deliveries per batch task: one SMTP connection each (settings.send_batch_size)."""
    return get_settings().send_batch_size


class AlreadySending(Exception):
    """The issue has a campaign that is not finished or cancelled (double click, second
    terminal, the issue's other file): launching another would mail its readers twice."""

    def __init__(self, campaign_id: int) -> None:
        super().__init__(f"campaign {campaign_id} is sending this issue")
        self.campaign_id = campaign_id


def live_campaign(session: Session, number: int | None, slug: str) -> int | None:
    """The live campaign (not a test) of the issue `number`, from any of its files."""
    return session.scalar(select(Campaign.id).where(
        audience.of_issue(number, slug), Campaign.state.in_(LIVE_STATES)))


def live_from_file(session: Session, slug: str) -> int | None:
    """The live campaign (not a test) launched from the issue file `slug`, if any."""
    return session.scalar(select(Campaign.id).where(
        Campaign.slug == slug, Campaign.test.is_(False), Campaign.state.in_(LIVE_STATES)))


def create(session: Session, editions: dict[str, Edition], test_to: list[str] | None = None,
           at: dt.datetime | None = None, same_issue: bool = False) -> Campaign:
    """A campaign of these editions: a test send to `test_to`, or the issue's mailing to
    the list (now, or at `at`), which leaves out whoever a campaign of the same number may
    have reached. Raises AlreadySending while another mailing of the number is live, and
    OtherIssue when the number went out under another title, unless `same_issue` (the
    person launching confirmed it is this issue, retitled)."""
    first = next(iter(editions.values()))
    slug, number = first.slug, first.number or None
    if test_to:  # one address given twice (the unique index would refuse its second row)
        test_to = list(dict.fromkeys(test_to))
    if not test_to:
        before = None if same_issue else sent_before(session, number, slug)
        language = before.retitled(editions) if before else None
        if language is not None:
            raise OtherIssue(before, language)
        running = live_campaign(session, number, slug)
        if running is not None:
            raise AlreadySending(running)
    campaign = Campaign(
        slug=slug,
        number=number,
        test=bool(test_to),
        test_recipients=test_to,
        scheduled_at=at,
        state=CampaignState.SCHEDULED if at else CampaignState.SENDING,
    )
    session.add(campaign)
    try:
        # The unique index settles a launch at the same instant. No SAVEPOINT: on SQLite one
        # opened before any write is the outer transaction, and its release committed the
        # campaign alone, before its editions (a failure then left an empty campaign that
        # blocked the issue). Callers only read before this, so a rollback loses nothing.
        session.flush()
    except IntegrityError:
        session.rollback()
        raise AlreadySending(live_campaign(session, number, slug)) from None
    for language, edition in editions.items():
        session.add(CampaignEdition(campaign_id=campaign.id, language=language,
                                    subject=edition.subject, html=edition.html,
                                    text=edition.text, web_html=edition.web_html))
    if test_to:  # test sends go to the listed addresses, in every language
        for email in test_to:
            for language in editions:
                session.add(Delivery(campaign_id=campaign.id, email=email, language=language))
        campaign.planned = True
    return campaign


def languages_of(session: Session, campaign_id: int) -> list[str]:
    return list(session.scalars(
        select(CampaignEdition.language).where(CampaignEdition.campaign_id == campaign_id)
    ))


def plan(session: Session, campaign: Campaign, dispatch) -> None:
    """Write the remaining delivery rows from the checkpoint on, page by page.

    Each page is committed, then its batches are handed to `dispatch(low, high)` (tasks
    are queued only after the commit); a planner killed halfway resumes from the
    checkpoint, and the first messages leave while the rest is still being planned."""
    languages = languages_of(session, campaign.id)
    earlier = audience.earlier_campaigns(session, campaign)
    for rows in audience.pages(session, campaign.planned_upto):
        before = session.scalar(select(func.max(Delivery.id))) or 0
        written = audience.plan_page(session, campaign, rows, languages, earlier)
        after = session.scalar(select(func.max(Delivery.id))) or 0
        session.commit()
        if written:
            size = batch_size()
            for low in range(before + 1, after + 1, size):
                dispatch(low, min(low + size - 1, after))
    campaign.planned = True
    session.commit()


def pending_batches(session: Session, campaign_id: int) -> Iterator[tuple[int, int]]:
    """Id ranges covering the deliveries still queued, a batch's rows at most each (streamed)."""
    after = 0
    while True:
        ids = session.scalars(
            select(Delivery.id)
            .where(Delivery.campaign_id == campaign_id, Delivery.state == DeliveryState.QUEUED,
                   Delivery.id > after)
            .order_by(Delivery.id).limit(batch_size())
        ).all()
        if not ids:
            return
        yield ids[0], ids[-1]
        after = ids[-1]


# The reply of a row a dead worker left in `sending`: ours, not the relay's.
WORKER_STOPPED = "worker stopped during the SMTP transaction"


def expire_claims(session: Session, campaign_id: int, lease: dt.timedelta) -> int:
    """Rows a dead worker left in `sending`: maybe accepted by the relay, never re-sent."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.campaign_id == campaign_id, Delivery.state == DeliveryState.SENDING,
               Delivery.updated_at < utcnow() - lease)
        .values(state=DeliveryState.UNKNOWN, reply=WORKER_STOPPED)
    )
    session.commit()
    return result.rowcount


def retry_delay(schedule: list[int], tries: int) -> int:
    """Seconds before try number `tries + 1` (the schedule's last step repeats)."""
    return schedule[min(tries, len(schedule) - 1)] if schedule else 60


def relay_down(session: Session, campaign_id: int, reply: str, schedule: list[int]
               ) -> int | None:
    """Note that the relay is unavailable for this campaign; returns the seconds until its
    next try, or None when another batch has already set that try (one wake-up each time,
    however many batches met the outage)."""
    now = utcnow()
    failures = session.scalar(select(Campaign.relay_failures).where(Campaign.id == campaign_id))
    delay = retry_delay(schedule, failures or 0)
    result = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id,
               or_(Campaign.relay_retry_at.is_(None), Campaign.relay_retry_at <= now))
        .values(relay_down_since=func.coalesce(Campaign.relay_down_since, now),
                relay_reply=reply[:500], relay_failures=Campaign.relay_failures + 1,
                relay_retry_at=now + dt.timedelta(seconds=delay))
    )
    session.commit()
    return delay if result.rowcount else None


def waiting_for_relay(campaign: Campaign) -> bool:
    """The campaign's next try, after the relay was found unavailable, is still to come."""
    return campaign.relay_retry_at is not None and campaign.relay_retry_at > utcnow()


def counts(session: Session, campaign_id: int) -> Counter:
    rows = session.execute(
        select(Delivery.state, func.count()).where(Delivery.campaign_id == campaign_id)
        .group_by(Delivery.state)
    )
    return Counter(dict(rows.all()))


def progress(session: Session, campaign_id: int) -> dict:
    """Where a campaign stands: the figures the command line and the console show."""
    count = counts(session, campaign_id)
    total = sum(count.values())
    done = total - count[DeliveryState.QUEUED] - count[DeliveryState.SENDING]
    campaign = session.get(Campaign, campaign_id)
    return {"state": campaign.state, "total": total, "done": done,
            "relay_down_since": campaign.relay_down_since, "relay_reply": campaign.relay_reply,
            "sent": count[DeliveryState.SENT], "failed": count[DeliveryState.FAILED],
            "skipped": count[DeliveryState.SKIPPED], "unknown": count[DeliveryState.UNKNOWN],
            "remaining": total - done,
            "percent": round(100 * done / total) if total else 0}


def finish_if_done(session: Session, campaign: Campaign) -> bool:
    """Done once planned with no row queued or in flight. Asked after every batch: one
    look into the (campaign, state) index, never a count of the whole campaign."""
    if campaign.state != CampaignState.SENDING or not campaign.planned:
        return False
    pending = session.scalar(select(Delivery.id).where(
        Delivery.campaign_id == campaign.id,
        Delivery.state.in_((DeliveryState.QUEUED, DeliveryState.SENDING))).limit(1))
    if pending is None:
        campaign.state = CampaignState.DONE
        campaign.finished_at = utcnow()
        session.commit()
        return True
    return False


# The states each control may be used from: a finished or cancelled campaign stays so.
MOVES = {
    CampaignState.PAUSED: (CampaignState.SCHEDULED, CampaignState.SENDING),
    CampaignState.SENDING: (CampaignState.PAUSED,),
    CampaignState.CANCELLED: LIVE_STATES,
}


class NotNow(ValueError):
    """A control that does not apply in the campaign's present state."""


def set_state(session: Session, campaign_id: int, state: CampaignState) -> Campaign:
    """Pause, resume (to SENDING) or cancel; a resumed campaign whose time has not come
    goes back to waiting for it."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(f"no campaign {campaign_id}")
    if campaign.state not in MOVES[state]:
        raise NotNow(f"campaign {campaign_id} is {campaign.state}: it cannot become {state}")
    scheduled = campaign.scheduled_at
    if state == CampaignState.SENDING and scheduled and scheduled > utcnow():
        state = CampaignState.SCHEDULED
    campaign.state = state
    if state != CampaignState.PAUSED:
        campaign.pause_reason = None  # a paused campaign's reason ends with its pause
    if state == CampaignState.SENDING:  # the breaker judges what comes after the resume
        # Imported here: `infolettre send` loads this module, and the bounce vocabulary the
        # breaker needs (a twentieth of a second) would delay its first message.
        from mailer.bounces import breaker

        for name, value in breaker.restart_counts().items():
            setattr(campaign, name, value)
    session.commit()
    return campaign
