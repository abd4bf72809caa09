"""`infolettre demo`: the main job end to end on embedded defaults, nothing to install.

A local database with sample subscribers, the example issue rendered, a campaign sent by
a real Celery worker process (broker in a SQLite file) into the local Maildir outbox.

The campaign goes to the whole list, as any send does: so the demo runs only where the list
is its own (sample subscribers alone, at example.org, which mails nobody even through a
relay). Run where real people were on the list, it mailed them all the sample issue, and
marked them as having had it, so that the real send of that issue would have left them out.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from mailer import db
from mailer.cli_render import _render, write_editions
from mailer.counting import how_many
from mailer.demo_watch import go_on_or_stop, interrupted, relay_unreachable, send_with_worker
from mailer.errors import UserError
from mailer.send_interrupted import interrupt_behind
from mailer.settings import get_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "issues" / "091.yaml"


@click.command("demo")
@click.option("--issue", "file", default=str(EXAMPLE), help="The issue file to send.")
@click.option("--subscribers", "count", default=300, show_default=True,
              type=click.IntRange(0, 100_000))
def demo(file: str, count: int) -> None:
    """Render the example issue and send it to sample subscribers through a real worker,
    into the local outbox (or the relay set). Refused where real people are on the list."""
    from mailer.console.bounce_words import said_on_the_command_line
    from mailer.demo_data import real_people, seed
    from mailer.dkim import key_problem
    from mailer.launch import busy
    from mailer.same_issue import refusal, sent_before_or_refuse
    from workers import campaigns
    from workers.app import queue_start
    from workers.models import DeliveryState

    settings = get_settings()
    editions = _render(file, None)
    db.upgrade()
    campaign_id = None
    try:
        with db.session_scope() as session:
            sent_before_or_refuse(session, file, editions)  # before the sample subscribers
            key = key_problem(settings)
            if key:
                raise UserError(f"{key}; nothing was changed")
            others = real_people(session)
            if others:
                raise UserError(
                    f"demo sends its sample issue to the whole list, and this database holds "
                    f"{how_many(others, 'subscriber', 'subscribers')} it did not make up; run "
                    f"the demo in a folder of its own (another INFOLETTRE_HOME, or "
                    f"INFOLETTRE_DATABASE_URL of an empty database): nothing was changed")
            first = next(iter(editions.values()))
            live = campaigns.live_campaign(session, first.number or None, first.slug)
            if live:  # an interrupted demo's: refused before adding anybody
                raise UserError(f"{busy(session, file, live)}; no sample subscriber was "
                                f"added; {go_on_or_stop(live)}")
            write_editions(editions, settings.home / "out")  # refused, it wrote nothing
            on_list = seed(session, count)
            session.commit()  # the sample subscribers stay, whatever the launch below meets
            try:
                campaign = campaigns.create(session, editions)
            except campaigns.AlreadySending as error:
                raise UserError(busy(session, file, error.campaign_id)) from None
            except campaigns.OtherIssue as error:  # sent under another title since the look
                raise UserError(refusal(file, error.before, error.language)) from None
            session.commit()
            campaign_id = campaign.id
        click.echo(f"{how_many(count, 'new sample subscriber', 'new sample subscribers')}, "
                   f"{on_list:,} on the list; "
                   f"campaign {campaign_id} created")
        queue_start(campaign_id)
        started = time.monotonic()
        seen = send_with_worker(settings.home / "worker.log", campaign_id)
    except BaseException as error:  # Ctrl-C anywhere: say what it left, as `send` does
        if not interrupt_behind(error):
            raise
        click.echo(interrupted(campaign_id), err=True)
        raise SystemExit(130) from None
    elapsed = time.monotonic() - started
    counts = seen.counts
    click.echo(f"sent {counts[DeliveryState.SENT]}, failed {counts[DeliveryState.FAILED]}, "
               f"skipped {counts[DeliveryState.SKIPPED]} in {elapsed:.1f}s")
    if seen.relay_reply is not None:
        click.echo(relay_unreachable(settings.smtp_url, seen.relay_reply, campaign_id),
                   err=True)
        raise SystemExit(1)
    if seen.paused:
        click.echo(f"campaign {campaign_id} paused itself: "
                   f"{said_on_the_command_line(seen.paused)}\n"
                   f"nobody's status changed; once fixed: infolettre campaign resume {campaign_id}")
    reached_before = on_list - sum(counts.values())
    if reached_before > 0:
        click.echo(f"{how_many(reached_before, 'subscriber', 'subscribers')} had this issue "
                   "from an earlier campaign: "
                   "nobody gets an issue twice")
    if settings.smtp_url:  # the outbox is empty: say where they went
        click.echo("messages: through the relay INFOLETTRE_SMTP_URL sets")
    else:
        click.echo(f"messages: {settings.outbox.resolve()}/new/ (one file each, any mail "
                   "client)")
    click.echo(f"rendered issue: {(settings.home / 'out').resolve()}/")
    click.echo(f"worker log: {(settings.home / 'worker.log').resolve()}")

