"""`infolettre bounces poll | report`: read the bounce mailbox, see what came back."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import click
from sqlalchemy import func, select

from mailer import db
from mailer.errors import UserError
from mailer.settings import get_settings


@click.group("bounces")
def bounces() -> None:
    """Bounces, complaints and mailto unsubscribes from the bounce mailbox."""


@bounces.command("poll")
def poll() -> None:
    """Read the bounce mailbox once (INFOLETTRE_BOUNCE_IMAP_URL)."""
    from mailer.bounces import imap

    url = get_settings().bounce_imap_url
    if not url:
        raise UserError("INFOLETTRE_BOUNCE_IMAP_URL is not set (imap://user:pass@host/INBOX)")
    db.upgrade()
    try:
        counts = imap.poll(url)
    except (OSError, imap.imaplib.IMAP4.error, ValueError) as error:
        raise UserError(f"bounce mailbox: {error}") from None
    summary = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) or "nothing new"
    click.echo(f"{sum(counts.values())} messages: {summary}")


def _table(title: str, rows) -> None:
    click.echo(title)
    for key, count in rows:
        click.echo(f"  {key or '-':<40} {count:>6}")


@bounces.command("report")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only from this day on.")
def report(since: dt.datetime | None) -> None:
    """Counts by class and reason, per campaign and per receiving domain."""
    from mailer.bounces.models import BounceEvent as Event

    db.upgrade()
    with db.session_scope() as session:
        where = [Event.received_at >= since.replace(tzinfo=dt.UTC)] if since else []

        def grouped(*columns):
            query = select(*columns, func.count()).where(*where).group_by(*columns)
            return session.execute(query.order_by(func.count().desc())).all()

        by_kind = Counter(dict(grouped(Event.kind)))
        click.echo(f"{sum(by_kind.values())} messages" + (f" since {since:%Y-%m-%d}" if since
                                                         else ""))
        _table("by class:", by_kind.most_common())
        _table("by class and status:",
               [(f"{kind} {status or ''}", n) for kind, status, n in grouped(Event.kind,
                                                                             Event.status)])
        _table("by campaign:",
               [(f"campaign {cid} {kind}", n) for cid, kind, n in
                grouped(Event.campaign_id, Event.kind) if cid])
        _table("by receiving domain:",
               [(f"{domain} {kind}", n) for domain, kind, n in grouped(Event.domain, Event.kind)
                if domain])
        review = session.execute(
            select(Event.received_at, Event.key).where(Event.kind == "unknown", *where)
            .order_by(Event.received_at.desc()).limit(20)).all()
        if review:
            click.echo(f"needs review ({by_kind['unknown']}, in the mailbox folder "
                       f"'needs-review'; newest first):")
            for received_at, key in review:
                click.echo(f"  {received_at:%Y-%m-%d %H:%M}  {key}")
