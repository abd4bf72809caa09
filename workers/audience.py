"""Who receives a campaign: subscribed, not suppressed, streamed in batches by id.

Planning writes one delivery row per recipient, page by page, with a checkpoint on the
campaign (listmonk-like), so that a planner killed halfway resumes where it stopped and
writes nobody twice (the unique constraint would refuse it anyway).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, text
from sqlalchemy.orm import Session

from mailer.db import utcnow
from subscribers.models import Status, Subscriber, Suppression, email_hash
from workers.models import Campaign, Delivery, DeliveryState

PAGE = 1000
# The first page is small, so that its batch starts sending while the rest is planned.
FIRST_PAGE = 50


def audience_query(after_id: int = 0):
    return (
        select(Subscriber.id, Subscriber.email, Subscriber.language)
        .where(Subscriber.status == Status.SUBSCRIBED, Subscriber.id > after_id)
        .order_by(Subscriber.id)
    )


def audience_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Subscriber.language, func.count())
        .where(Subscriber.status == Status.SUBSCRIBED)
        .group_by(Subscriber.language)
    )
    return dict(rows.all())


def pages(session: Session, after_id: int, first: int = FIRST_PAGE) -> Iterator[list]:
    """The audience after `after_id`, by id: `first` rows, then PAGE rows a page."""
    size = first
    while True:
        rows = session.execute(audience_query(after_id).limit(size)).all()
        if not rows:
            return
        yield rows
        after_id, size = rows[-1].id, PAGE


# A delivery in these states may have reached its reader.
REACHED = (DeliveryState.SENDING, DeliveryState.SENT, DeliveryState.UNKNOWN)


def of_issue(number: int | None, slug: str):
    """The condition "a campaign (not a test) of this issue": of its number, whatever its file
    was called (091.yaml, 091-final.yaml); a campaign whose number was never recorded (from
    before it was, and unreadable) by its file name."""
    by_slug = and_(Campaign.number.is_(None), Campaign.slug == slug)
    return and_(Campaign.test.is_(False),
                or_(Campaign.number == number, by_slug) if number else by_slug)


def earlier_campaigns(session: Session, campaign: Campaign) -> list[int]:
    """The other campaigns (not tests) of the same issue: a send cancelled and launched
    again, the issue sent again from another file, or two launches at once."""
    return list(session.scalars(select(Campaign.id).where(
        of_issue(campaign.number, campaign.slug), Campaign.id != campaign.id)))


def reached_before(session: Session, number: int | None, slug: str) -> int:
    """How many addresses a campaign of this issue (not a test) may already have reached."""
    reached = reached_emails(number, slug).subquery()
    return session.scalar(select(func.count(func.distinct(reached.c.email))))


def reached_emails(number: int | None, slug: str):
    """The addresses a campaign of this issue may already have reached, as a subquery."""
    return select(Delivery.email).join(Campaign).where(
        of_issue(number, slug), Delivery.state.in_(REACHED))


def will_receive(session: Session, number: int | None, slug: str) -> dict[str, int]:
    """Per language, the subscribers a launch now would mail: not those an earlier send of
    this issue, from any of its files, may have reached (they never get it twice)."""
    if not session.scalar(select(exists().where(of_issue(number, slug)))):
        return audience_counts(session)  # a first send: no NOT IN over the whole list
    return dict(session.execute(
        select(Subscriber.language, func.count())
        .where(Subscriber.status == Status.SUBSCRIBED,
               Subscriber.email.not_in(reached_emails(number, slug)))
        .group_by(Subscriber.language)).all())


def plan_page(session: Session, campaign: Campaign, rows: list, languages: list[str],
              earlier: list[int] = ()) -> int:
    """Write the delivery rows of one page of subscribers; returns how many were written.
    Nobody whom a campaign in `earlier` may have reached is written again."""
    hashes = {email_hash(row.email): row for row in rows}
    suppressed = set(
        session.scalars(select(Suppression.email_hash).where(Suppression.email_hash.in_(hashes)))
    )
    if earlier:
        reached = set(session.scalars(select(Delivery.email).where(
            Delivery.campaign_id.in_(earlier), Delivery.state.in_(REACHED),
            Delivery.email.in_([row.email for row in rows]))))
        suppressed |= {email_hash(email) for email in reached}
    kept = [row for digest, row in hashes.items() if digest not in suppressed]
    # A subscriber whose language the issue lacks gets the first one.
    chosen = [row.language if row.language in languages else languages[0] for row in kept]
    if kept and session.bind.dialect.name == "postgresql":
        session.execute(_INSERT_PAGE, {
            "campaign": campaign.id, "now": utcnow(), "subscribers": [row.id for row in kept],
            "emails": [row.email for row in kept], "languages": chosen})
    elif kept:  # SQLite: executemany, in C
        session.connection().execute(insert(Delivery.__table__), [
            {"campaign_id": campaign.id, "subscriber_id": row.id, "email": row.email,
             "language": language} for row, language in zip(kept, chosen, strict=True)])
    campaign.planned_upto = rows[-1].id
    return len(kept)


# PostgreSQL: a page's rows in one statement, instead of a thousand INSERTs pipelined (a
# third of a worker's time while it plans, and as much again in the database).
_INSERT_PAGE = text(
    "INSERT INTO delivery (campaign_id, subscriber_id, email, language, state, attempts, "
    "updated_at) SELECT :campaign, v.subscriber, v.email, v.language, 'queued', 0, :now "
    "FROM unnest(CAST(:subscribers AS integer[]), CAST(:emails AS varchar[]), "
    "CAST(:languages AS varchar[])) AS v(subscriber, email, language)"
).bindparams(bindparam("now", type_=Delivery.updated_at.type))
