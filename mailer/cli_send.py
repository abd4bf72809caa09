"""`infolettre send`: launch a send (`infolettre campaign …` then follows and steers it).

The start is queued by a process forked as the command begins (workers.launcher), which
loads Celery and the broker's client while this one loads the database's side; so this
module imports the database's side inside its functions, after the fork, not at its top.
"""

from __future__ import annotations

import datetime as dt

import click

from mailer import send_time
from mailer.errors import UserError
from mailer.send_interrupted import NOTHING_MADE, interrupt_behind, left_by
from workers.launcher import BrokerUnavailable, Launcher


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
    return list(dict.fromkeys(out))  # said once (workers.campaigns.create mails it once)


@click.command("send")
@click.argument("file")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--test-to", help="Send only to these addresses (comma-separated), marked [TEST].")
@click.option("--at", "typed_at", metavar="'YYYY-MM-DD HH:MM'",
              help="Schedule the send (UTC), as YYYY-MM-DD HH:MM; at most a year ahead.")
@click.option("--same-issue", is_flag=True,
              help="The issue's number went out before under another title, and this is "
                   "that issue with its title corrected: send it to those not reached.")
def send(file: str, yes: bool, test_to: str | None, typed_at: str | None,
         same_issue: bool) -> None:
    """Send an issue to every subscriber, each in their language; whoever a send of the
    same issue number (from any file) may have reached is left out."""
    since, asked = dt.datetime.now(dt.UTC), []
    try:
        recipients = _addresses(test_to)
        try:
            at = None if typed_at is None else send_time.from_option(typed_at)
        except ValueError as error:
            raise UserError(str(error)) from None
        with Launcher(ahead=not at) as launcher:

            def ready() -> str | None:  # asked just before the campaign is written
                asked.append(True)
                return launcher.ready()

            campaign_id = _create(file, yes, recipients, at, same_issue, ready)
            if campaign_id is None:
                return
            if not at:
                try:
                    launcher.start(campaign_id)  # queued only once the campaign is committed
                except BrokerUnavailable as error:
                    raise UserError(unqueued(campaign_id, "created", str(error))) from None
    except BaseException as error:  # Ctrl-C anywhere, in the commit too: say what it left
        if not interrupt_behind(error):
            raise
        click.echo(left_by(file, test_to is not None, since) if asked else NOTHING_MADE,
                   err=True)
        raise SystemExit(130) from None
    click.echo(f"campaign {campaign_id} {'scheduled' if at else 'queued'}; "
               f"follow it with: infolettre campaign status {campaign_id} --follow")


def _create(file: str, yes: bool, recipients: list[str] | None, at: dt.datetime | None,
            same_issue: bool, broker_ready=lambda: None) -> int | None:
    """The campaign's id once it is committed, None when there is nothing to send.
    Raises UserError (and SystemExit 1 when the confirmation is refused), also when
    `broker_ready()` says why the broker cannot take the start: then nothing is created."""
    from mailer import db
    from mailer.cli_render import _render, _size_warnings
    from mailer.dkim import key_problem
    from mailer.same_issue import refusal as number_refusal
    from mailer.settings import get_settings
    from workers import campaigns

    editions = _render(file, None)
    _size_warnings(file, editions)
    key = key_problem(get_settings())  # a key that cannot sign would stop every message
    if key:  # said before the audience and the question
        raise UserError(f"{key}; nothing was created")
    db.upgrade()
    with db.session_scope() as session:
        first = next(iter(editions.values()))
        running = None if recipients else campaigns.live_campaign(
            session, first.number or None, first.slug)
        if running is not None:  # said before the audience and the question, not after
            raise UserError(busy(session, file, running))
        if recipients:
            click.echo(f"Test send of {file} to {', '.join(recipients)} in "
                       f"{', '.join(editions)}.")
        elif not _audience(session, file, editions, same_issue, at) and not at:
            click.echo("Nothing to send: no campaign was created.")
            return None
        when = f" at {at:%Y-%m-%d %H:%M} UTC" if at else " now"
        if not yes and not click.confirm(f"Send{when}?"):
            raise SystemExit(1)
        at_utc = at.replace(tzinfo=dt.UTC) if at else None
        trouble = broker_ready()
        if trouble:
            raise UserError(f"the broker (INFOLETTRE_BROKER_URL) cannot take the send: "
                            f"{trouble.rstrip('.')}; nothing was created")
        try:
            campaign = campaigns.create(session, editions, recipients, at_utc, same_issue)
        except campaigns.AlreadySending as error:  # launched elsewhere meanwhile
            raise UserError(busy(session, file, error.campaign_id)) from None
        except campaigns.OtherIssue as error:  # sent from elsewhere since the look above
            raise UserError(number_refusal(file, error.before, error.language)) from None
        session.commit()
        return campaign.id


def busy(session, file: str, campaign_id: int) -> str:
    """Why `file` cannot be sent while the campaign `campaign_id` of its issue is live
    (workers.campaigns.AlreadySending): what that one is doing, and the command to run."""
    from workers.models import Campaign, CampaignState

    live = session.get(Campaign, campaign_id)
    named = f"{file}: campaign {campaign_id}"
    if live is not None and live.state == CampaignState.SCHEDULED:
        at = f"{live.scheduled_at:%Y-%m-%d %H:%M} UTC"
        return (f"{named} is scheduled to send this issue at {at}; to send it now or at "
                f"another time, cancel that one first: infolettre campaign cancel "
                f"{campaign_id}")
    if live is not None and live.state == CampaignState.PAUSED:
        return (f"{named} of this issue is paused; go on with it: infolettre campaign "
                f"resume {campaign_id} (or cancel it: infolettre campaign cancel "
                f"{campaign_id})")
    return (f"{named} is sending this issue; follow it with `infolettre campaign status "
            f"{campaign_id}`")


def unqueued(campaign_id: int, done: str, error: str) -> str:
    """What the command says when the broker did not take a campaign's start: `done` is
    what happened to the campaign (created, resumed)."""
    from mailer.settings import get_settings

    return (f"campaign {campaign_id} is {done}, but its start could not be queued: the "
            f"broker (INFOLETTRE_BROKER_URL) did not answer ({error.rstrip('.')}). Nobody "
            f"was sent anything; the campaign starts once a worker reaches the broker (a "
            f"worker looks for campaigns to start when it starts and, with --beat, every "
            f"{get_settings().sweep_interval_seconds} s)")


def _audience(session, file: str, editions: dict, same_issue: bool,
              at: dt.datetime | None = None) -> int:
    """Say, before the confirmation, how many subscribers this send really reaches (as the
    console's launch page does) and, when the issue's number went out before, whom it leaves
    out; returns that number. UserError when the number went out under another title.
    A send scheduled `at` (UTC) chooses its audience at that time (workers.campaigns.plan,
    started by the sweep), so nobody now is said, not refused."""
    from mailer.same_issue import people, reached_note, sent_before_or_refuse
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
