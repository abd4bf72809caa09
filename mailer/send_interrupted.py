"""What an interrupted `infolettre send` says (Ctrl-C: SIGINT, KeyboardInterrupt) wherever
it lands: no campaign, or the one it made and the commands to follow or stop it, never a
traceback. Whether the campaign exists is read back from the database: an interrupt
inside the commit leaves that unknown to the command itself.

Light on purpose, as mailer.cli_send: the database's side is imported once interrupted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

NOTHING_MADE = "interrupted: no campaign was created; nobody was sent anything"


def interrupt_behind(error: BaseException | None) -> bool:
    """Whether `error` is a KeyboardInterrupt or was raised while handling one: SQLAlchemy's
    rollback of a flush or commit the interrupt cut short raises its own error ("this
    transaction is closed"), which said nothing of the interrupt, in a traceback."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        error = error.__context__
    return False


def left_by(file: str, test: bool, since: dt.datetime, how: str = "interrupted") -> str:
    """What an interrupted `send` of `file` (a test send or not, begun at `since`, UTC) left
    once it may have written its campaign, read back from the database: the interrupt may
    have landed before, inside or after the commit; the commands to follow or stop one.
    `how` it ended, the words the message starts with (a worker that took the send and
    could not finish it: mailer.launch_client)."""
    try:
        from sqlalchemy import select

        from mailer import db
        from workers.models import Campaign, CampaignState

        with db.session_scope() as session:
            made = session.scalars(select(Campaign).where(
                Campaign.slug == Path(file).stem, Campaign.test.is_(test),
                Campaign.created_at >= since).order_by(Campaign.id.desc())).first()
            if made is None:
                return NOTHING_MADE.replace("interrupted", how, 1)
            made_id, state, at = made.id, made.state, made.scheduled_at
    except Exception:  # noqa: BLE001 - a database away, a module the interrupt cut short
        return f"{how}; `infolettre campaign list` shows whether a campaign was created"
    then = (f"scheduled for {at:%Y-%m-%d %H:%M} UTC" if state == CampaignState.SCHEDULED
            else "starts once a worker looks for campaigns to start, if its start was not "
                 "queued already")
    return (f"{how}: campaign {made_id} was created and {then}; follow it with: "
            f"infolettre campaign status {made_id}; to stop it: infolettre campaign cancel "
            f"{made_id}")
