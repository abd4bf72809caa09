"""`infolettre send` and `infolettre campaign …`: launch a send, then watch and steer it."""

from __future__ import annotations

import datetime as dt
import time

import click
from sqlalchemy import select

from mailer import db
from mailer.cli_render import _render, _size_warnings
from mailer.errors import ROW_ID, UserError
from mailer.same_issue import people, reached_note, sent_before_or_refuse
from mailer.same_issue import refusal as number_refusal
from workers import campaigns
from workers.models import Campaign, CampaignState, DeliveryState


def _addresses(value: str | None) -> list[str] | None:
    """The test recipients; None without --test-to. An empty --test-to ("$TESTERS" unset in
    a script) is an error: read as "no test", it launched the issue to the whole list."""
    if value is None:
        return None
    from mailer.catalogue import fill
    from subscribers.i18n import labels
    from subscribers.validation import InvalidInput, check_email

    out = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        try:
            out.append(check_email(item))
        except InvalidInput as error:
            reason = error.detail or fill(labels("en")[error.label], **error.values)
            raise UserError(f"--test-to: {item}: {reason}") from None
    if not out:
        raise UserError("--test-to: no address given; write them separated by commas "
                        "(leave --test-to out to send to the whole list)")
    return out


@click.command("send")
@click.argument("file")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--test-to", help="Send only to these addresses (comma-separated), marked [TEST].")
@click.option("--at", "at", type=click.DateTime(["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]),
              help="Schedule the send (UTC), e.g. 2026-12-01 08:00.")
@click.option("--same-issue", is_flag=True,
              help="The issue's number went out before under another title, and this is "
                   "that issue with its title corrected: send it to those not reached.")
def send(file: str, yes: bool, test_to: str | None, at: dt.datetime | None,
         same_issue: bool) -> None:
    """Send an issue to every subscriber, each in their language; whoever a send of the
    same issue number (from any file) may have reached is left out."""
    from workers.app import queue_start

    recipients = _addresses(test_to)
    if at and at.replace(tzinfo=dt.UTC) <= dt.datetime.now(dt.UTC):
        raise UserError(f"--at {at:%Y-%m-%d %H:%M} UTC is past; give a time to come, or "
                        "leave --at out to send now")
    editions = _render(file, None)
    _size_warnings(file, editions)
    db.upgrade()
    with db.session_scope() as session:
        if recipients:
            click.echo(f"Test send of {file} to {', '.join(recipients)} in "
                       f"{', '.join(editions)}.")
        elif not _audience(session, file, editions, same_issue, at) and not at:
            click.echo("Nothing to send: no campaign was created.")
            return
        when = f" at {at:%Y-%m-%d %H:%M} UTC" if at else " now"
        if not yes and not click.confirm(f"Send{when}?"):
            raise SystemExit(1)
        at_utc = at.replace(tzinfo=dt.UTC) if at else None
        try:
            campaign = campaigns.create(session, editions, recipients, at_utc, same_issue)
        except campaigns.AlreadySending as error:
            raise UserError(f"{file}: campaign {error.campaign_id} is sending this issue; "
                            f"follow it with `infolettre campaign status "
                            f"{error.campaign_id}`") from None
        except campaigns.OtherIssue as error:  # sent from elsewhere since the look above
            raise UserError(number_refusal(file, error.before, error.language)) from None
        session.commit()
        campaign_id = campaign.id
    if not at:
        queue_start(campaign_id)  # queued only once the campaign is committed
    click.echo(f"campaign {campaign_id} {'scheduled' if at else 'queued'}; "
               f"follow it with: infolettre campaign status {campaign_id} --follow")


def _audience(session, file: str, editions: dict, same_issue: bool,
              at: dt.datetime | None = None) -> int:
    """Say, before the confirmation, how many subscribers this send really reaches (as the
    console's launch page does) and, when the issue's number went out before, whom it leaves
    out; returns that number. UserError when the number went out under another title.
    A send scheduled `at` (UTC) chooses its audience at that time (workers.campaigns.plan,
    started by the sweep), so nobody now is said, not refused."""
    from workers.audience import will_receive

    before = sent_before_or_refuse(session, file, editions, same_issue)
    first = next(iter(editions.values()))
    now = will_receive(session, first.number or None, first.slug)
    total = sum(now.values())
    detail = ", ".join(f"{code}: {n:,}" for code, n in sorted(now.items()) if n)
    click.echo(f"{file}: {people(total)} will receive it" + (f" ({detail})." if detail else "."))
    if before is not None and before.reached:
        click.echo(reached_note(before.number, f"{before.on:%Y-%m-%d}", before.slug,
                                before.reached, total))
    elif not total:
        click.echo("The list has no subscribed address" + (" yet." if at else "."))
    if not total and at:
        click.echo(f"Whoever is subscribed at {at:%Y-%m-%d %H:%M} UTC"
                   + (" and was not reached" if before is not None and before.reached else "")
                   + " will receive it.")
    return total


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
    return (f"{item.id:>4}  {issue:<12} {item.slug + '.yaml':<24} {item.state:<10} "
            f"{'test ' if item.test else ''}"
            f"sent {count[DeliveryState.SENT]}/{total}  failed {count[DeliveryState.FAILED]}"
            + _uncertain(count[DeliveryState.UNKNOWN]))


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
    elapsed = max(time.monotonic() - started, 1e-6)
    rate = (sent - first_sent) / elapsed
    left = (total - done) / rate if rate > 0 else 0
    width = 30
    filled = int(width * done / total) if total else width
    bar = "#" * filled + "-" * (width - filled)
    line = (f"[{bar}] {done}/{total} sent {sent} failed {now['failed']} "
            f"skipped {now['skipped']} remaining {now['remaining']} "
            f"{rate:.0f}/s left {left:.0f}s  {now['state']}" + _uncertain(now["unknown"]))
    if now["relay_down_since"] and now["state"] == CampaignState.SENDING:
        line += (f"  waiting for the relay since {now['relay_down_since']:%Y-%m-%d %H:%M:%S} "
                 f"UTC ({now['relay_reply']})")
    return line, now["state"] not in (CampaignState.SENDING, CampaignState.SCHEDULED)


@campaign.command("status")
@click.argument("campaign_id", type=ROW_ID)
@click.option("--follow", is_flag=True, help="Refresh until the campaign ends.")
def status(campaign_id: int, follow: bool) -> None:
    with db.session_scope() as session:
        if session.get(Campaign, campaign_id) is None:
            raise UserError(f"no campaign {campaign_id}")
        started = time.monotonic()
        first = campaigns.counts(session, campaign_id)[DeliveryState.SENT]
        while True:
            line, ended = _progress(session, campaign_id, started, first)
            session.expire_all()
            if not follow or ended:
                click.echo(line)
                _why(session, campaign_id)
                return
            click.echo("\r" + line, nl=False)
            time.sleep(0.5)


def _why(session, campaign_id: int) -> None:
    """Why a campaign paused itself, and what the relays refused for our own reasons."""
    from mailer.bounces import counts
    from mailer.console import bounce_words

    reason = bounce_words.said_on_the_command_line(session.get(Campaign, campaign_id)
                                                   .pause_reason)
    if reason:
        click.echo(f"paused by the circuit breaker: {reason}\n"
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
            campaigns.set_state(session, campaign_id, state)
        except (LookupError, campaigns.NotNow) as error:
            raise UserError(str(error)) from None
    if state == CampaignState.SENDING:
        from workers.app import queue_start

        queue_start(campaign_id)
    click.echo(f"campaign {campaign_id}: {state}")


@campaign.command("pause")
@click.argument("campaign_id", type=ROW_ID)
def pause(campaign_id: int) -> None:
    _steer(campaign_id, CampaignState.PAUSED)


@campaign.command("resume")
@click.argument("campaign_id", type=ROW_ID)
def resume(campaign_id: int) -> None:
    _steer(campaign_id, CampaignState.SENDING)


@campaign.command("cancel")
@click.argument("campaign_id", type=ROW_ID)
def cancel(campaign_id: int) -> None:
    _steer(campaign_id, CampaignState.CANCELLED)
