"""`infolettre campaign status | pause | resume | cancel` said in words a newcomer reads
right (subprocesses, as a user runs them)."""

import datetime as dt
import re

from tests.sending.conftest import EXAMPLE
from tests.sending.test_send_cli import run, setup

EMPTY_BAR = "[" + "-" * 30 + "]"


def _later(days: int = 2) -> str:
    return f"{dt.datetime.now(dt.UTC) + dt.timedelta(days=days):%Y-%m-%d %H:%M}"


def test_status_of_a_campaign_not_yet_planned_shows_an_empty_bar(tmp_path):
    # "0/0" was drawn as a full bar, 100 %, "left 0s": a campaign not started read as done.
    env, _url = setup(tmp_path)
    at = _later()
    assert run(env, "send", str(EXAMPLE), "--at", at, "--yes").returncode == 0
    scheduled = run(env, "campaign", "status", "1")
    assert scheduled.returncode == 0, scheduled.stderr
    assert scheduled.stdout.startswith(
        f"{EMPTY_BAR} recipients not yet counted: they are chosen at {at} UTC  scheduled")
    assert "#" not in scheduled.stdout and "0/0" not in scheduled.stdout
    assert run(env, "campaign", "cancel", "1").returncode == 0
    assert run(env, "send", str(EXAMPLE), "--yes").returncode == 0  # no worker: not planned
    sending = run(env, "campaign", "status", "2")
    assert sending.stdout.startswith(f"{EMPTY_BAR} recipients not yet counted: a worker "
                                     "counts them as it starts the campaign  sending")
    cancelled = run(env, "campaign", "status", "1")
    assert cancelled.stdout.startswith(f"{EMPTY_BAR} stopped before its recipients were "
                                       "counted: nobody was sent anything  cancelled")
    listed = run(env, "campaign", "list").stdout.splitlines()  # it said "sent 0/0" too
    assert listed[0].endswith("sending    recipients not yet counted: a worker counts them "
                              "as it starts the campaign")
    assert listed[1].endswith("cancelled  stopped before its recipients were counted: "
                              "nobody was sent anything")


def test_a_control_already_done_or_impossible_says_so_plainly(tmp_path):
    # A second cancel said "campaign 1 is cancelled: it cannot become cancelled" (exit 2),
    # and resuming a paused campaign whose time had not come said "sending".
    env, _url = setup(tmp_path)
    at = _later()
    assert run(env, "send", str(EXAMPLE), "--at", at, "--yes").returncode == 0
    said = [
        ("resume", 0, f"campaign 1 is scheduled for {at} UTC and starts then by itself: "
                      "nothing to resume"),
        ("pause", 0, "campaign 1: paused"),
        ("pause", 0, "campaign 1 is already paused: nothing to do"),
        ("resume", 0, f"campaign 1: scheduled (for {at} UTC)"),
        ("cancel", 0, "campaign 1: cancelled"),
        ("cancel", 0, "campaign 1 is already cancelled: nothing to do"),
        ("resume", 2, "campaign 1 is cancelled, and a cancelled campaign stays so: to send "
                      "the issue after all, `infolettre send FILE` again (whoever a "
                      "campaign of it reached is left out)"),
    ]
    for control, code, words in said:
        result = run(env, "campaign", control, "1")
        assert (result.returncode, (result.stdout + result.stderr).strip()) == (code, words)


def test_following_a_scheduled_campaign_says_it_waits_and_writes_lines(tmp_path):
    """`--follow` on a scheduled campaign waited for its time without a word, and into a
    pipe or a file wrote every refresh on one endless line."""
    import subprocess
    import sys

    env, _url = setup(tmp_path)
    at = _later()
    assert run(env, "send", str(EXAMPLE), "--at", at, "--yes").returncode == 0
    follow = subprocess.Popen([sys.executable, "-m", "mailer", "campaign", "status", "1",
                               "--follow"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        first, second = follow.stdout.readline(), follow.stdout.readline()
    finally:
        follow.kill()
        follow.wait()
    assert first == (f"campaign 1 starts at {at} UTC: followed until it ends (Ctrl-C stops "
                     "following, not the campaign)\n")
    assert second.startswith(EMPTY_BAR) and second.endswith("scheduled\n")
    assert "\r" not in first + second


def test_status_taken_once_gives_the_pace_since_the_start(tmp_path):
    # A status taken once said "0/s left 0s" while the campaign sent a hundred a second.
    from sqlalchemy import select, update

    from mailer import db
    from workers.models import Campaign, Delivery, DeliveryState

    env, url = setup(tmp_path)
    assert run(env, "send", str(EXAMPLE), "--test-to", ",".join(
        f"t{n}@example.org" for n in range(10)), "--yes").returncode == 0  # 20 rows, planned
    with db.session_scope(url) as session:
        session.execute(update(Campaign).values(
            started_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=10)))
        ids = session.scalars(select(Delivery.id).order_by(Delivery.id).limit(10)).all()
        session.execute(update(Delivery).where(Delivery.id.in_(ids))
                        .values(state=DeliveryState.SENT))
    shown = run(env, "campaign", "status", "1").stdout
    assert " 10/20 sent 10 " in shown and re.search(r" 1/s left 1\ds  sending", shown), shown
    run(env, "campaign", "cancel", "1")
    assert "/s left" not in run(env, "campaign", "status", "1").stdout  # no pace once stopped
