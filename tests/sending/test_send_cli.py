"""`infolettre send` and `infolettre campaign` as a user runs them (subprocesses)."""

import datetime as dt
import subprocess
import sys

from sqlalchemy import select

from mailer import db
from subscribers.models import Subscriber
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
    assert "091.yaml: 9 subscribers will receive it (en: 3, fr: 6).\n" in refused.stdout
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
    at = f"{dt.datetime.now(dt.UTC) + dt.timedelta(days=30):%Y-%m-%d} 08:00"  # within a year
    later = run(env, "send", str(EXAMPLE), "--yes", "--at", at)
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
    assert "stopped before its recipients were counted: nobody was sent" in follow.stdout


def test_a_second_mailing_and_an_impossible_control_are_clear_errors(tmp_path):
    env, _url = setup(tmp_path)
    assert run(env, "send", str(EXAMPLE), "--yes").returncode == 0
    again = run(env, "send", str(EXAMPLE), "--yes")
    assert again.returncode == 2 and "campaign 1 is sending this issue" in again.stderr
    assert "Traceback" not in again.stderr
    assert run(env, "campaign", "cancel", "1").returncode == 0
    resumed = run(env, "campaign", "resume", "1")
    assert resumed.returncode == 2
    assert resumed.stderr.startswith("campaign 1 is cancelled, and a cancelled campaign "
                                     "stays so: to send the issue after all")


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
    long = "a" * 65 + "@example.org"  # RFC 5321: 64 octets before the @
    assert run(env, "send", str(EXAMPLE), "--yes", "--test-to", long).stderr == (
        f"--test-to: {long}: The email address is too long before the @ (65 bytes, at most "
        "64): check it.\n")
    assert "is past" in result.stderr
    with db.session_scope(url) as session:
        assert session.scalars(select(Campaign)).all() == []


def _sent_to(url, emails: list[str], titles: dict[str, str]) -> None:
    """Issue 91 went out (from 091.yaml) to `emails` under `titles`."""
    from workers.models import CampaignEdition, CampaignState, DeliveryState

    with db.session_scope(url) as session:
        campaign = Campaign(slug="091", number=91, state=CampaignState.DONE)
        session.add(campaign)
        session.flush()
        for code, subject in titles.items():
            session.add(CampaignEdition(campaign_id=campaign.id, language=code, subject=subject,
                                        html="", text="", web_html=""))
        for index, email in enumerate(emails):
            session.add(Delivery(campaign_id=campaign.id, subscriber_id=index, email=email,
                                 language="fr", state=DeliveryState.SENT))


def _titles():
    from mailer.render import render_file

    return {code: edition.subject for code, edition in render_file(EXAMPLE).items()}


def test_an_issue_sent_to_everyone_says_it_reaches_nobody_and_asks_nothing(tmp_path):
    # It printed the whole list's count, then "reaches nobody", then asked "Send now?".
    env, url = setup(tmp_path)
    with db.session_scope(url) as session:
        everyone = list(session.scalars(select(Subscriber.email)))
    _sent_to(url, everyone, _titles())
    result = run(env, "send", str(EXAMPLE))  # no --yes, nothing typed: it must not ask
    assert result.returncode == 0, result.stderr
    today = f"{dt.datetime.now(dt.UTC):%Y-%m-%d}"
    assert result.stdout == (
        f"{EXAMPLE}: 0 subscribers will receive it.\n"
        f"Issue 91 was already sent on {today} (from 091.yaml) to 9 subscribers; this send "
        "reaches nobody: every subscriber on the list was reached.\n"
        "Nothing to send: no campaign was created.\n")
    assert "Send now?" not in result.stdout
    with db.session_scope(url) as session:
        assert len(session.scalars(select(Campaign)).all()) == 1


def test_an_issue_sent_to_some_counts_only_the_others(tmp_path):
    env, url = setup(tmp_path)
    _sent_to(url, [f"reader{n:05d}@example.org" for n in range(7)], _titles())
    result = run(env, "send", str(EXAMPLE), stdin="n\n")
    assert result.returncode == 1
    assert result.stdout.startswith(f"{EXAMPLE}: 2 subscribers will receive it (fr: 2).\n")
    assert "this send reaches only the 2 who were not reached." in result.stdout


def test_an_empty_list_sends_nothing(tmp_path):
    env = infolettre_env(tmp_path)
    db.upgrade(env["INFOLETTRE_DATABASE_URL"])
    result = run(env, "send", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"{EXAMPLE}: 0 subscribers will receive it.\n"
                             "The list has no subscribed address.\n"
                             "Nothing to send: no campaign was created.\n")


def test_another_issue_under_a_sent_number_is_refused_in_a_full_sentence(tmp_path):
    env, url = setup(tmp_path)
    _sent_to(url, ["reader00000@example.org"], {"fr": "Un autre numéro", "en": "Another issue"})
    result = run(env, "send", str(EXAMPLE), "--yes")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "as «Un autre numéro»" in result.stderr
    assert result.stderr.endswith("it then goes only to the subscribers who have not "
                                  "received it.\n")


def test_campaign_list_shows_the_issue_number_and_its_file(tmp_path):
    # It showed "091-final" alone: which issue was that?
    env, url = setup(tmp_path)
    _sent_to(url, ["reader00000@example.org"], _titles())
    with db.session_scope(url) as session:
        session.add(Campaign(slug="091-final", number=91, state="done"))
        session.add(Campaign(slug="old", number=None, state="done"))
    listing = run(env, "campaign", "list")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.splitlines() == [
        "   3  no number    old.yaml                 done       sent 0/0  failed 0",
        "   2  issue 91     091-final.yaml           done       sent 0/0  failed 0",
        "   1  issue 91     091.yaml                 done       sent 1/1  failed 0"]


def test_first_commands_in_a_new_folder_find_the_tables(tmp_path):
    env = infolettre_env(tmp_path)  # no database yet: a newcomer's first command
    listing = run(env, "campaign", "list")
    assert listing.returncode == 0, listing.stderr
    assert "no campaign yet" in listing.stdout and "Traceback" not in listing.stderr
    status = run(env, "campaign", "status", "3")
    assert "no campaign 3" in status.stdout + status.stderr
    assert "Traceback" not in status.stderr
    count = run(env, "subscribers", "count")
    assert count.returncode == 0 and "Traceback" not in count.stderr, count.stderr


def test_a_send_scheduled_on_an_empty_list_is_accepted_and_says_why(tmp_path):
    # It was refused ("Nothing to send"), though the audience is chosen at the scheduled
    # time (workers.campaigns.plan, started by the sweep): the list may grow till then.
    env = infolettre_env(tmp_path)
    url = env["INFOLETTRE_DATABASE_URL"]
    db.upgrade(url)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    at = f"{later:%Y-%m-%d %H:%M}"
    result = run(env, "send", str(EXAMPLE), "--at", at, "--yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"{EXAMPLE}: 0 subscribers will receive it.\n"
        "The list has no subscribed address yet.\n"
        f"Whoever is subscribed at {at} UTC will receive it.\n"
        "campaign 1 scheduled; ")
    with db.session_scope(url) as session:
        [campaign] = session.scalars(select(Campaign)).all()
        assert campaign.state == "scheduled" and f"{campaign.scheduled_at:%Y-%m-%d %H:%M}" == at


def test_a_send_scheduled_after_everyone_was_reached_says_who_will_get_it(tmp_path):
    env, url = setup(tmp_path)
    with db.session_scope(url) as session:
        everyone = list(session.scalars(select(Subscriber.email)))
    _sent_to(url, everyone, _titles())
    at = f"{dt.datetime.now(dt.UTC) + dt.timedelta(days=2):%Y-%m-%d %H:%M}"
    result = run(env, "send", str(EXAMPLE), "--at", at, "--yes")
    assert result.returncode == 0, result.stderr
    assert (f"reaches nobody: every subscriber on the list was reached.\nWhoever is "
            f"subscribed at {at} UTC and was not reached will receive it.\n") in result.stdout
    with db.session_scope(url) as session:
        assert [c.state for c in session.scalars(select(Campaign).order_by(Campaign.id))] == [
            "done", "scheduled"]


def test_status_and_list_say_how_many_a_killed_worker_left_uncertain(tmp_path):
    # After `kill -9` of a worker mid-send, 16 rows became `unknown`: status said
    # "400/400 sent 384 failed 0 skipped 0", and nobody could tell where 16 had gone.
    from workers.models import DeliveryState

    env, url = setup(tmp_path)
    with db.session_scope(url) as session:
        campaign = Campaign(slug="091", number=91, state=CampaignState.DONE, planned=True)
        session.add(campaign)
        session.flush()
        for index, state in enumerate([DeliveryState.SENT] * 3 + [DeliveryState.UNKNOWN] * 2):
            session.add(Delivery(campaign_id=campaign.id, subscriber_id=index + 1,
                                 email=f"r{index}@example.org", language="fr", state=state))
    status = run(env, "campaign", "status", "1")
    assert status.returncode == 0, status.stderr
    assert "5/5 sent 3 failed 0" in status.stdout
    assert "uncertain 2 (never sent again)" in status.stdout
    listing = run(env, "campaign", "list")
    assert listing.stdout.rstrip().endswith(
        "sent 3/5  failed 0  uncertain 2 (never sent again)")


def test_an_address_given_twice_to_test_to_is_mailed_once(tmp_path):
    # In any case: both were planned, and the second row broke the unique index (a traceback,
    # and an empty campaign left behind).
    env, url = setup(tmp_path)
    sent = run(env, "send", str(EXAMPLE), "--yes", "--test-to", "a@example.org,A@EXAMPLE.ORG")
    assert sent.returncode == 0, sent.stderr
    assert "to a@example.org in" in sent.stdout
    with db.session_scope(url) as session:
        assert sorted(session.scalars(select(Delivery.language))) == ["en", "fr"]


def test_resuming_a_campaign_that_is_sending_queues_its_start_again(tmp_path):
    # One whose start the broker lost waited for a worker's sweep: "cannot become sending".
    env, _url = setup(tmp_path)
    assert run(env, "send", str(EXAMPLE), "--yes").returncode == 0
    resumed = run(env, "campaign", "resume", "1")
    assert (resumed.returncode, resumed.stdout.strip()) == (0, "campaign 1: sending")
