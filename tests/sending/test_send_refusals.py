"""`infolettre send` refusing in words: an issue already on its way, a time that cannot be,
an interrupt (subprocesses, as a user runs them)."""

import datetime as dt

from tests.sending.conftest import EXAMPLE
from tests.sending.test_send_cli import run, setup


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
