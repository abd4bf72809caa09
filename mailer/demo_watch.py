"""How `infolettre demo` follows its campaign, and what it says when it stops short.

The demo's worker lives only as long as the command: interrupted (Ctrl-C) or facing a
relay that does not answer, the campaign is left `sending` with nobody to send it. The
command then says what it left and the commands to go on or stop, never a bare "Aborted!"
nor a silent wait of minutes. Nobody's status changes either way (the list is sacred).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

TIMEOUT = 180  # seconds: a demo of a few hundred messages takes a few


@dataclass
class Watched:
    counts: Counter = field(default_factory=Counter)  # DeliveryState → deliveries
    paused: str | None = None  # the circuit breaker's reason
    relay_reply: str | None = None  # the relay could not be reached: its words


def watch(campaign_id: int) -> Watched:
    """Polls the campaign until it is done, paused or waiting for the relay (or TIMEOUT)."""
    from mailer import db
    from workers import campaigns
    from workers.models import Campaign, CampaignState, DeliveryState

    seen = Watched()
    started = time.monotonic()
    with db.session_scope() as session:
        while time.monotonic() - started < TIMEOUT:
            seen.counts = campaigns.counts(session, campaign_id)
            running = session.get(Campaign, campaign_id)
            seen.paused = running.pause_reason
            if running.relay_down_since is not None and \
                    running.state == CampaignState.SENDING:
                seen.relay_reply = running.relay_reply or "no answer"
                break  # its next try is minutes away: say so now
            if seen.paused or running.planned and not seen.counts[DeliveryState.QUEUED] \
                    and not seen.counts[DeliveryState.SENDING]:
                break
            session.expire_all()
            time.sleep(0.3)
    return seen


def send_with_worker(log_path: Path, campaign_id: int) -> Watched:
    """Runs a Celery worker (its output in `log_path`) while watch() follows the campaign,
    and stops it after, however the watch ends (Ctrl-C too)."""
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.app", "--quiet", "worker",
             "--pool=solo", "--loglevel=WARNING", "--without-heartbeat", "--without-gossip",
             "--without-mingle"],
            env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            return watch(campaign_id)
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def shown_url(url: str) -> str:
    """The relay's URL as it may be printed: its password hidden (`***`)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # not URL-shaped: say which setting, not its value
        return "INFOLETTRE_SMTP_URL"


def go_on_or_stop(campaign_id: int) -> str:
    return (f"to go on, run a worker (`infolettre worker`) and `infolettre campaign resume "
            f"{campaign_id}`; to stop it: `infolettre campaign cancel {campaign_id}`")


def relay_unreachable(url: str, reply: str, campaign_id: int) -> str:
    return (f"the relay {shown_url(url)} is unreachable: {reply}; campaign {campaign_id} is "
            f"left sending, waiting for it, and nobody's status changed; check "
            f"INFOLETTRE_SMTP_URL (or unset it for the local outbox), then "
            + go_on_or_stop(campaign_id))


def interrupted(campaign_id: int | None) -> str:
    """What an interrupted demo left, read back from the database."""
    if campaign_id is None:
        return "interrupted: no campaign was created; nobody was sent anything"
    try:
        from mailer import db
        from workers import campaigns

        with db.session_scope() as session:
            now = campaigns.progress(session, campaign_id)
    except Exception:  # noqa: BLE001 - a database away, a module the interrupt cut short
        return (f"interrupted: campaign {campaign_id} was created; `infolettre campaign "
                f"status {campaign_id}` shows where it stands; " + go_on_or_stop(campaign_id))
    if now["state"] not in ("sending", "paused"):  # it ended before the interrupt
        return f"interrupted: campaign {campaign_id} is {now['state']}, {now['sent']} sent"
    return (f"interrupted: campaign {campaign_id} is {now['state']}, {now['sent']} sent, "
            f"{now['remaining']} still to send, and its worker stopped with the demo; "
            + go_on_or_stop(campaign_id))
