"""`infolettre send` refusing in words: an issue already on its way, a time that cannot be,
an interrupt (subprocesses, as a user runs them)."""

import datetime as dt
import subprocess
import sys

import pytest
from sqlalchemy import select

from mailer import db
from mailer.send_time import from_option
from tests.sending.conftest import EXAMPLE
from tests.sending.test_send_cli import run, setup
from workers.models import Campaign


def test_a_second_send_while_one_is_scheduled_says_when_and_how_to_cancel(tmp_path):
    # It said "campaign 1 is sending this issue", after the audience and the question.
    env, _url = setup(tmp_path)
    at = f"{dt.datetime.now(dt.UTC) + dt.timedelta(days=2):%Y-%m-%d %H:%M}"
    assert run(env, "send", str(EXAMPLE), "--at", at, "--yes").returncode == 0
    again = run(env, "send", str(EXAMPLE), stdin="y\n")
    assert (again.returncode, again.stdout) == (2, "")  # refused before asking anything
    assert again.stderr.strip() == (
        f"{EXAMPLE}: campaign 1 is scheduled to send this issue at {at} UTC; to send it now "
        "or at another time, cancel that one first: infolettre campaign cancel 1")
    assert run(env, "campaign", "pause", "1").returncode == 0
    paused = run(env, "send", str(EXAMPLE), "--yes")
    assert paused.returncode == 2 and paused.stderr.strip() == (
        f"{EXAMPLE}: campaign 1 of this issue is paused; go on with it: infolettre campaign "
        "resume 1 (or cancel it: infolettre campaign cancel 1)")


def test_a_time_that_does_not_exist_or_is_years_ahead_is_refused_in_words(tmp_path):
    # 9999-12-31 23:59 was accepted (a send in 8,000 years); 2027-02-30 got click's "does
    # not match the formats", which named neither the day nor the fix.
    env, url = setup(tmp_path)
    far = run(env, "send", str(EXAMPLE), "--yes", "--at", "9999-12-31 23:59")
    assert far.returncode == 2 and far.stderr.startswith(
        "--at 9999-12-31 23:59 UTC is more than a year ahead (the latest is ")
    assert far.stderr.rstrip().endswith("check the year, or schedule the send nearer its time")
    missing = run(env, "send", str(EXAMPLE), "--yes", "--at", "2027-02-30 10:00")
    assert (missing.returncode, missing.stderr) == (2, (
        "--at 2027-02-30 10:00: there is no day 30 in February 2027 (it has 28 days); give a "
        "time that exists, as YYYY-MM-DD HH:MM (UTC)\n"))
    with db.session_scope(url) as session:
        assert session.scalars(select(Campaign)).all() == []


NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(("typed", "said"), [
    ("2027-12-02 09:31", "more than a year ahead (the latest is 2027-12-02 09:30 UTC)"),
    ("2026-12-01 09:30", "--at 2026-12-01 09:30 UTC is past; give a time to come"),
    ("2028-02-30 08:00", "there is no day 30 in February 2028 (it has 29 days)"),
    ("2027-00-10 08:00", "there is no month 00 (months run from 01 to 12)"),
    ("2027-01-10 24:00", "there is no hour 24 (hours run from 00 to 23)"),
    ("2027-01-10 08:61", "there is no minute 61"),
    ("10/01/2027 08:00", "--at '10/01/2027 08:00': write the time (UTC) as YYYY-MM-DD HH:MM, "
                         "e.g. 2026-12-02 08:00"),
])
def test_at_refusals_name_the_value_and_the_fix(typed, said):
    with pytest.raises(ValueError, match="^--at ") as refused:
        from_option(typed, NOW)
    assert said in str(refused.value)


def test_at_takes_a_time_to_come_within_a_year():
    assert from_option(" 2027-12-02T09:29 ", NOW) == dt.datetime(2027, 12, 2, 9, 29)
    assert from_option("2028-02-29 08:00", dt.datetime(2027, 3, 1, tzinfo=dt.UTC)) == \
        dt.datetime(2028, 2, 29, 8, 0)


# `infolettre send` with a Ctrl-C landing in the session's commit, once: `where` is a step
# of SQLAlchemy's SessionTransaction, interrupted before it runs or once it has run.
INTERRUPTED = """
import sys
from sqlalchemy.orm.session import SessionTransaction
from mailer.cli import main

where, when = sys.argv[1:3]
original, fired = getattr(SessionTransaction, where), []

def interrupted(self, *args, **kwargs):
    if fired:
        return original(self, *args, **kwargs)
    fired.append(True)
    if when == "after":
        original(self, *args, **kwargs)
    raise KeyboardInterrupt

setattr(SessionTransaction, where, interrupted)
sys.argv = ["infolettre", *sys.argv[3:]]
main()
"""


@pytest.mark.parametrize(("where", "when", "scheduled", "created"), [
    # the database committed, the session not yet done: it printed SQLAlchemy's "session
    # in committed state" traceback
    ("_remove_snapshot", "after", False, True),
    ("_remove_snapshot", "after", True, True),
    ("_prepare_impl", "before", False, False),  # before the commit
    ("commit", "after", False, False),  # the flush's own: "this transaction is closed"
])
def test_an_interrupted_send_says_what_it_left(tmp_path, where, when, scheduled, created):
    env, url = setup(tmp_path)
    at = f"{dt.datetime.now(dt.UTC) + dt.timedelta(days=30):%Y-%m-%d} 08:00"
    args = ["send", str(EXAMPLE), "--yes"] + (["--at", at] if scheduled else [])
    result = subprocess.run([sys.executable, "-c", INTERRUPTED, where, when, *args], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 130 and "Traceback" not in result.stderr, result.stderr
    with db.session_scope(url) as session:
        assert session.scalars(select(Campaign.id)).all() == ([1] if created else [])
    then = (f"scheduled for {at} UTC" if scheduled else
            "starts once a worker looks for campaigns to start, if its start was not queued "
            "already")
    assert result.stderr == (
        f"interrupted: campaign 1 was created and {then}; follow it with: infolettre "
        "campaign status 1; to stop it: infolettre campaign cancel 1\n" if created else
        "interrupted: no campaign was created; nobody was sent anything\n")
