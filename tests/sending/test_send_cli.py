"""`infolettre send` and `infolettre campaign` as a user runs them (subprocesses)."""

import subprocess
import sys

from sqlalchemy import select

from mailer import db
from tests.sending.conftest import EXAMPLE, add_subscribers
from tests.support.webapp import infolettre_env
from workers.models import Campaign, CampaignState, Delivery


def run(env, *args, stdin=""):
    return subprocess.run([sys.executable, "-m", "mailer", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


def setup(tmp_path):
    env = infolettre_env(tmp_path)
    url = env["INFOLETTRE_DATABASE_URL"]
    db.upgrade(url)
    add_subscribers(url, 9)
    return env, url


def test_send_shows_the_audience_and_asks(tmp_path):
    env, url = setup(tmp_path)
    refused = run(env, "send", str(EXAMPLE), stdin="n\n")
    assert "9 subscribers (en: 3, fr: 6)" in refused.stdout
    assert refused.returncode == 1
    accepted = run(env, "send", str(EXAMPLE), stdin="y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert "campaign 1 queued" in accepted.stdout
    status = run(env, "campaign", "status", "1")
    assert status.returncode == 0 and "SENDING" in status.stdout.upper()


def test_test_send_and_schedule_and_control(tmp_path):
    env, url = setup(tmp_path)
    bad = run(env, "send", str(EXAMPLE), "--yes", "--test-to", "a@example.org,not-an-address")
    assert bad.returncode == 2 and bad.stderr.startswith("--test-to: not-an-address:")
    assert "Traceback" not in bad.stderr
    ok = run(env, "send", str(EXAMPLE), "--yes", "--test-to", "A@Example.org")
    assert ok.returncode == 0, ok.stderr
    later = run(env, "send", str(EXAMPLE), "--yes", "--at", "2030-01-01 08:00")
    assert "scheduled" in later.stdout
    assert run(env, "campaign", "pause", "2").returncode == 0
    assert run(env, "campaign", "cancel", "2").stdout.strip() == "campaign 2: cancelled"
    missing = run(env, "campaign", "pause", "99")
    assert missing.returncode == 2 and missing.stderr.strip() == "no campaign 99"
    with db.session_scope(url) as session:
        test = session.get(Campaign, 1)
        assert test.test and test.test_recipients == ["a@example.org"]
        languages = session.scalars(select(Delivery.language).where(Delivery.campaign_id == 1))
        assert sorted(languages) == ["en", "fr"]
        assert session.get(Campaign, 2).state == CampaignState.CANCELLED
    listing = run(env, "campaign", "list")
    assert listing.stdout.count("\n") == 2
    follow = run(env, "campaign", "status", "2", "--follow")  # ended: one line, then exit
    assert follow.returncode == 0 and "cancelled" in follow.stdout
    assert "sent 0 failed 0 skipped 0 remaining 0" in follow.stdout


def test_a_second_mailing_and_an_impossible_control_are_clear_errors(tmp_path):
    env, _url = setup(tmp_path)
    assert run(env, "send", str(EXAMPLE), "--yes").returncode == 0
    again = run(env, "send", str(EXAMPLE), "--yes")
    assert again.returncode == 2 and "campaign 1 is sending this issue" in again.stderr
    assert "Traceback" not in again.stderr
    assert run(env, "campaign", "cancel", "1").returncode == 0
    resumed = run(env, "campaign", "resume", "1")
    assert resumed.returncode == 2
    assert resumed.stderr.strip() == "campaign 1 is cancelled: it cannot become sending"


def test_numbers_out_of_range_are_refused_in_words(tmp_path):
    # A campaign id past 64 bits raised OverflowError in the query; --workers 0 served nothing.
    env, _url = setup(tmp_path)
    huge = str(2**64)
    for args in (["campaign", "cancel", huge], ["campaign", "status", "0"],
                 ["bounces", "undo", "--campaign", huge, "--dry-run"],
                 ["web", "--workers", "0"], ["web", "--port", "99999"]):
        result = run(env, *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr, args
        assert "is not in the range" in result.stderr, args


def test_an_empty_test_list_or_a_past_time_launches_nothing(tmp_path):
    # `--test-to "$TESTERS"` with the variable unset launched the issue to the whole list.
    env, url = setup(tmp_path)
    for args in (["--test-to", ""], ["--test-to", " , "], ["--at", "2020-01-01 08:00"]):
        result = run(env, "send", str(EXAMPLE), "--yes", *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr, args
    assert "--test-to: no address given" in run(env, "send", str(EXAMPLE), "--yes",
                                                "--test-to", "").stderr
    assert "is past" in result.stderr
    with db.session_scope(url) as session:
        assert session.scalars(select(Campaign)).all() == []
