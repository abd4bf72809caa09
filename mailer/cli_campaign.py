"""`infolettre campaign …`: list campaigns, follow one, pause, resume or cancel it."""

from __future__ import annotations

import sys
import time

import click
from sqlalchemy import select

from mailer import db
from mailer.db import utcnow
from mailer.errors import ROW_ID, UserError
from mailer.launch import unqueued
from workers import campaigns
from workers.launcher import BrokerUnavailable, Launcher
from workers.models import Campaign, CampaignState, DeliveryState


@click.group("campaign")
def campaign() -> None:
    """List campaigns, follow one, pause, resume or cancel it."""
    db.upgrade()  # a first command in a new folder finds the tables (no "no such table")


def _line(session, item: Campaign) -> str:
    """One campaign: its id, the issue's number (its file beside: one issue may go out from
    091.yaml, then 091-final.yaml), state and counts."""
    count = campaigns.counts(session, item.id)
    total = sum(count.values())
    issue = f"issue {item.number}" if item.number else "no number"
    head = (f"{item.id:>4}  {issue:<12} {item.slug + '.yaml':<24} {item.state:<10} "
            f"{'test ' if item.test else ''}")
    if not item.planned and not total and item.state != CampaignState.DONE:
        return head + _not_counted(item)  # "sent 0/0" read as a send of nobody, finished
    return (head + f"sent {count[DeliveryState.SENT]}/{total}  "
            f"failed {count[DeliveryState.FAILED]}" + _uncertain(count[DeliveryState.UNKNOWN]))


def _uncertain(unknown: int) -> str:
    """Rows a killed worker or a dropped connection left without an answer: the relay may
    or may not have taken them, and they are never sent again; said only when there are
    some, so that sent + failed + skipped adding up short of the total is explained."""
    return f"  uncertain {unknown} (never sent again)" if unknown else ""


@campaign.command("list")
def list_campaigns() -> None:
    """Every campaign, newest first: id, issue number and file, state, counts."""
    with db.session_scope() as session:
        items = session.scalars(select(Campaign).order_by(Campaign.id.desc()))
        item = None
        for item in items:
            click.echo(_line(session, item))
        if item is None:
            click.echo("no campaign yet: `infolettre send FILE` makes one")


def _progress(session, campaign_id: int, started: float, first_sent: int) -> tuple[str, bool]:
    now = campaigns.progress(session, campaign_id)
    total, done, sent = now["total"], now["done"], now["sent"]
    item = session.get(Campaign, campaign_id)
    rate = _rate(item, sent, sent - first_sent, time.monotonic() - started)
    # The pace while it sends: a finished, paused or cancelled one has none.
    pace = (f"{rate:.0f}/s left {(total - done) / rate:.0f}s  "
            if rate > 0 and now["state"] == CampaignState.SENDING else "")
    width = 30
    filled = int(width * done / total) if total else 0  # 0 of 0 is nothing done, not all
    bar = "#" * filled + "-" * (width - filled)
    if not item.planned and not total:  # "0/0 … left 0s" would read as done
        line = f"[{bar}] {_not_counted(item)}  {now['state']}"
    else:
        line = (f"[{bar}] {done}/{total} sent {sent} failed {now['failed']} "
                f"skipped {now['skipped']} remaining {now['remaining']} "
                f"{pace}{now['state']}" + _uncertain(now["unknown"])
                + ("" if item.planned else "  (recipients still being counted)"))
    if now["relay_down_since"] and now["state"] == CampaignState.SENDING:
        line += (f"  waiting for the relay since {now['relay_down_since']:%Y-%m-%d %H:%M:%S} "
                 f"UTC ({now['relay_reply']})")
    return line, now["state"] not in (CampaignState.SENDING, CampaignState.SCHEDULED)


def _rate(item: Campaign, sent: int, seen: int, watched: float) -> float:
    """Messages a second: as watched by this command (`seen` sent in `watched` seconds),
    once it has watched 2 s; before, and for a status taken once, the average since the
    campaign started (what was said before was 0/s, left 0s, while it sent)."""
    if watched >= 2 and seen > 0:
        return seen / watched
    if item.started_at is None:
        return 0.0
    return sent / max((utcnow() - item.started_at).total_seconds(), 1.0)


def _not_counted(item: Campaign) -> str:
    """A campaign whose recipients are not counted yet: when they will be (a worker plans
    them as it starts the campaign: workers.campaigns.plan)."""
    if item.state == CampaignState.SCHEDULED and item.scheduled_at:
        return (f"recipients not yet counted: they are chosen at "
                f"{item.scheduled_at:%Y-%m-%d %H:%M} UTC")
    if item.state == CampaignState.SENDING:
        return "recipients not yet counted: a worker counts them as it starts the campaign"
    if item.state == CampaignState.PAUSED:
        return "recipients not yet counted: they are counted once it is resumed"
    return "stopped before its recipients were counted: nobody was sent anything"


@campaign.command("status")
@click.argument("campaign_id", type=ROW_ID)
@click.option("--follow", is_flag=True, help="Refresh until the campaign ends.")
def status(campaign_id: int, follow: bool) -> None:
    with db.session_scope() as session:
        item = session.get(Campaign, campaign_id)
        if item is None:
            raise UserError(f"no campaign {campaign_id}")
        if follow and item.state == CampaignState.SCHEDULED and item.scheduled_at:
            click.echo(f"campaign {campaign_id} starts at {item.scheduled_at:%Y-%m-%d %H:%M} "
                       "UTC: followed until it ends (Ctrl-C stops following, not the campaign)")
        started = time.monotonic()
        first = campaigns.counts(session, campaign_id)[DeliveryState.SENT]
        terminal, said = sys.stdout.isatty(), None
        while True:
            line, ended = _progress(session, campaign_id, started, first)
            session.expire_all()
            if not follow or ended:
                click.echo(("\r" + line.ljust(len(said))) if terminal and said else line)
                _why(session, campaign_id)
                return
            if terminal:  # one line, redrawn
                click.echo("\r" + line, nl=False)
            elif line != said:  # a file or a pipe: a line for each change, not one long line
                click.echo(line)
            said = line
            time.sleep(0.5)


def _why(session, campaign_id: int) -> None:
    """Why a campaign paused itself (the breaker, a DKIM key that cannot sign), and what the
    relays refused for our own reasons."""
    from mailer.bounces import counts
    from mailer.console import bounce_words

    reason = bounce_words.said_on_the_command_line(session.get(Campaign, campaign_id)
                                                   .pause_reason)
    if reason:
        click.echo(f"paused by itself: {reason}\n"
                   f"nobody's status changed; once fixed: infolettre campaign resume "
                   f"{campaign_id}")
    bounced = counts.by_kind(session, campaign_id)
    if bounced:
        click.echo("bounces: " + ", ".join(f"{kind} {n}" for kind, n in sorted(bounced.items())))
    words = bounce_words.labels(bounce_words.COMMAND_LINE)
    for refusal in counts.sender_side(session, campaign_id):
        click.echo(f"  {bounce_words.refused(words, refusal)}")


def _steer(campaign_id: int, state: CampaignState) -> None:
    with db.session_scope() as session:
        try:
            moved = campaigns.set_state(session, campaign_id, state)
            # A resumed campaign whose time has not come waits for it again: said so, and
            # the sweep starts it then (nothing to queue now).
            state, at = moved.state, moved.scheduled_at
        except LookupError as error:
            raise UserError(str(error)) from None
        except campaigns.NotNow:
            # Resuming one that is sending queues its start again: one whose start the
            # broker lost (it was away) goes on at once, not at a worker's next sweep.
            # Twice is harmless: a start reads what is left to send from the database.
            item = session.get(Campaign, campaign_id)
            if not (state == CampaignState.SENDING and item.state == CampaignState.SENDING):
                click.echo(_not_now(item, state))
                return
    if state == CampaignState.SENDING:
        try:
            Launcher(ahead=False).start(campaign_id)
        except BrokerUnavailable as error:
            raise UserError(unqueued(campaign_id, "resumed", str(error))) from None
    click.echo(f"campaign {campaign_id}: {state}" + (
        f" (for {at:%Y-%m-%d %H:%M} UTC)" if state == CampaignState.SCHEDULED else ""))


VERBS = {CampaignState.PAUSED: "pause", CampaignState.SENDING: "resume",
         CampaignState.CANCELLED: "cancel"}


def _not_now(item: Campaign, state: CampaignState) -> str:
    """What a control that does not apply says: a harmless no-op (pausing a paused
    campaign, cancelling a cancelled one, resuming one that waits for its time) is said,
    exit status 0, as resuming a sending one is; one that cannot be (a finished or
    cancelled campaign stays so) raises UserError."""
    named = f"campaign {item.id}"
    if item.state == state:
        return f"{named} is already {state}: nothing to do"
    if item.state == CampaignState.SCHEDULED:  # only resume is left: not paused
        return (f"{named} is scheduled for {item.scheduled_at:%Y-%m-%d %H:%M} UTC and starts "
                f"then by itself: nothing to resume")
    if item.state == CampaignState.DONE:
        ended = f" (finished {item.finished_at:%Y-%m-%d %H:%M} UTC)" if item.finished_at else ""
        raise UserError(f"{named} is done{ended}: there is nothing left to {VERBS[state]}")
    raise UserError(f"{named} is cancelled, and a cancelled campaign stays so: to send the "
                    f"issue after all, `infolettre send FILE` again (whoever a campaign of "
                    f"it reached is left out)")


@campaign.command("pause")
@click.argument("campaign_id", type=ROW_ID)
def pause(campaign_id: int) -> None:
    _steer(campaign_id, CampaignState.PAUSED)


@campaign.command("resume")
@click.argument("campaign_id", type=ROW_ID)
def resume(campaign_id: int) -> None:
    from mailer.dkim import key_problem
    from mailer.settings import get_settings

    key = key_problem(get_settings())  # its first batch would pause it again at once
    if key:
        raise UserError(f"campaign {campaign_id} stays as it is: {key}; then resume it")
    _steer(campaign_id, CampaignState.SENDING)


@campaign.command("cancel")
@click.argument("campaign_id", type=ROW_ID)
def cancel(campaign_id: int) -> None:
    _steer(campaign_id, CampaignState.CANCELLED)
