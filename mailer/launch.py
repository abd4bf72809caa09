"""What `infolettre send` does before the first message, wherever it runs: the checks (the
issue's editions, the DKIM key, a live campaign of the issue, who was reached before), the
audience said, and the campaign created. The command runs it, or hands it to a running
worker that has all of it loaded already (workers.launch_server), with the same words.

Everything said goes through `say(text, err)`: click's echo in the command, the socket's
lines in a worker. The database's side is imported inside the functions: the command
imports this module before it knows whether it will need them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import click

from mailer.errors import UserError

Say = Callable[..., None]  # say(text, err=False): click.echo, or a worker's socket line


def addresses(value: str | None) -> list[str] | None:
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


def options(test_to: str | None, typed_at: str | None) -> tuple[list | None, dt.datetime | None]:
    """--test-to's addresses and --at's time (mailer.send_time), or UserError saying why."""
    from mailer import send_time

    recipients = addresses(test_to)
    try:
        return recipients, None if typed_at is None else send_time.from_option(typed_at)
    except ValueError as error:
        raise UserError(str(error)) from None


def create(file: str, yes: bool, recipients: list[str] | None, at: dt.datetime | None,
           same_issue: bool, broker_ready=lambda: None, editions: dict | None = None,
           say: Say = click.echo, before_commit=lambda: None) -> int | None:
    """The campaign's id once it is committed, None when there is nothing to send.
    `editions`: the issue's, when the caller has them (read from mailer.rendered).
    Raises UserError (and SystemExit 1 when the confirmation is refused), also when
    `broker_ready()` says why the broker cannot take the start, or `before_commit()` why the
    campaign written is not to be committed (a worker's command gone): nothing is created."""
    from mailer import db
    from mailer.cli_render import _render, _size_warnings
    from mailer.dkim import key_problem
    from mailer.same_issue import refusal as number_refusal
    from mailer.settings import get_settings
    from workers import campaigns

    editions = editions or _render(file, None)
    _size_warnings(file, editions, say)
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
            say(f"Test send of {file} to {', '.join(recipients)} in {', '.join(editions)}.")
        elif not _audience(session, file, editions, same_issue, at, say) and not at:
            say("Nothing to send: no campaign was created.")
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
        gone = before_commit()
        if gone:
            raise UserError(f"{gone}; nothing was created")
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
              at: dt.datetime | None = None, say: Say = click.echo) -> int:
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
    say(f"{file}: {people(total)} will receive it" + (f" ({detail})." if detail else "."))
    if before is not None and before.reached:
        say(reached_note(before.number, f"{before.on:%Y-%m-%d}", before.slug,
                                before.reached, total))
    elif not total:
        say("The list has no subscribed address" + (" yet." if at else "."))
    if not total and at:
        say(f"Whoever is subscribed at {at:%Y-%m-%d %H:%M} UTC"
                   + (" and was not reached" if before is not None and before.reached else "")
                   + " will receive it.")
    return total
