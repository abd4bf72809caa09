"""`infolettre send`: launch a send (`infolettre campaign …` then follows and steers it).

With --yes, the send is first offered to a running worker (mailer.launch_client), which
has everything loaded. Else the command makes it (mailer.launch), and the start is queued
by a process forked as it begins (workers.launcher), which loads Celery and the broker's
client while this one loads the database's side; so this module imports the database's
side inside its functions, after the fork, not at its top.
"""

from __future__ import annotations

import datetime as dt

import click

from mailer import launch, launch_client
from mailer.errors import UserError
from mailer.send_interrupted import NOTHING_MADE, interrupt_behind, left_by
from workers.launcher import BrokerUnavailable, Launcher


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
        handed = yes and launch_client.hand_over(
            {"file": file, "test_to": test_to, "at": typed_at, "same_issue": same_issue},
            click.echo, lambda: asked.append(True))
        if handed:
            return _said(handed, typed_at)
        recipients, at = launch.options(test_to, typed_at)
        with Launcher(ahead=not at) as launcher:

            def ready() -> str | None:  # asked just before the campaign is written
                asked.append(True)
                return launcher.ready()

            campaign_id = launch.create(file, yes, recipients, at, same_issue, ready)
            if campaign_id is None:
                return
            if not at:
                try:
                    launcher.start(campaign_id)  # queued only once the campaign is committed
                except BrokerUnavailable as error:
                    raise UserError(launch.unqueued(campaign_id, "created", str(error))) from None
    except launch_client.NotFinished as error:  # the worker took it, then failed or went away
        interrupted = interrupt_behind(error)
        how = str(error) if interrupted else (
            f"the worker that took the send could not finish it ({error})")
        click.echo(f"{how}: it may write the campaign still, even after this command "
                   "ended (`infolettre campaign list` shows it once written; `infolettre "
                   "campaign cancel N` stops it)" if error.uncertain
                   else left_by(file, test_to is not None, since, how), err=True)
        raise SystemExit(130 if interrupted else 1) from None
    except BaseException as error:  # Ctrl-C anywhere, in the commit too: say what it left
        if not interrupt_behind(error):
            raise
        click.echo(left_by(file, test_to is not None, since) if asked else NOTHING_MADE,
                   err=True)
        raise SystemExit(130) from None
    _queued(campaign_id, at is not None)


def _queued(campaign_id: int, scheduled: bool) -> None:
    click.echo(f"campaign {campaign_id} {'scheduled' if scheduled else 'queued'}; "
               f"follow it with: infolettre campaign status {campaign_id} --follow")


def _said(end: dict, typed_at: str | None) -> None:
    """The end of a send a worker made (mailer.launch_client), said as the command says
    its own: its refusal (UserError), nothing to send, or the campaign queued."""
    if end.get("error"):
        raise UserError(str(end["error"]))
    if end.get("campaign"):
        _queued(int(end["campaign"]), typed_at is not None)
