"""`infolettre bounces report` and `infolettre bounces undo` as a user runs them."""

from __future__ import annotations

import itertools
import subprocess
import sys

from mailer import db
from mailer.bounces import classify
from mailer.bounces.process import record
from subscribers.models import Status, Subscriber
from tests.sending.conftest import add_subscribers
from tests.support.webapp import infolettre_env


def run(env, *args):
    return subprocess.run([sys.executable, "-m", "mailer", "bounces", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def home(tmp_path):
    """(environment, database URL) of a new home with its tables made."""
    env = infolettre_env(tmp_path / "home")
    (tmp_path / "home").mkdir()
    db.upgrade(env["INFOLETTRE_DATABASE_URL"])
    return env, env["INFOLETTRE_DATABASE_URL"]


def test_report_speaks_of_sender_side_refusals_and_undo_restores(tmp_path):
    env, url = home(tmp_path)
    emails = add_subscribers(url, 3)
    replies = [(emails[0], "550 5.1.1 <a>: Recipient address rejected: User unknown"),
               (emails[1], "550-5.7.26 This mail has been blocked because the sender is "
                           "unauthenticated. Gmail requires all senders to authenticate"),
               (emails[2], "550-5.7.26 This mail has been blocked because the sender is "
                           "unauthenticated.")]
    with db.session_scope(url) as session:
        for number, (email, reply) in enumerate(replies):
            finding = classify.from_reply(reply)
            finding.recipient, finding.campaign_id = email.replace("example.org", "gmail.com"), 4
            finding.subscriber_id = number + 1
            record(session, f"smtp:{number}", finding, "smtp", None)

    report = run(env, "report")
    assert report.returncode == 0, report.stderr
    assert ("gmail.com refused 2 messages: sender not authenticated or refused by policy — "
            "check DKIM, SPF and DMARC") in report.stdout
    assert "user unknown (recipient)" in report.stdout

    assert run(env, "undo").returncode != 0  # which bounces must be said
    bad = run(env, "undo", "--campaign", "4", "--reason", "nope")
    assert bad.returncode != 0 and "unknown reason 'nope'" in bad.stderr
    alone = run(env, "undo", "--reason", "zz")  # the wrong value first, then what is missing
    assert alone.returncode == 2 and alone.stderr.startswith("--reason: unknown reason 'zz'")
    dry = run(env, "undo", "--campaign", "4", "--dry-run")
    assert "1 subscriber suppressed by these bounces\n" in dry.stdout and emails[0] in dry.stdout
    with db.session_scope(url) as session:
        assert session.get(Subscriber, 1).status == Status.BOUNCED  # a dry run changes nothing
    done = run(env, "undo", "--campaign", "4", "--yes")
    assert done.returncode == 0 and "1 subscribed again" in done.stdout
    with db.session_scope(url) as session:
        assert [s.status for s in session.query(Subscriber).order_by(Subscriber.id)] == [
            Status.SUBSCRIBED] * 3


def test_a_complaint_is_undone_only_when_asked_for_with_a_warning(tmp_path):
    from mailer.bounces import policy
    from mailer.console.models import AuditEntry
    from subscribers.service import is_suppressed

    env, url = home(tmp_path)
    emails = add_subscribers(url, 2)
    with db.session_scope(url) as session:
        for email in emails:  # two complaints, as a forged ARF report once made them
            policy.apply(session, classify.Finding(classify.COMPLAINT, email, campaign_id=5))

    bounces_only = run(env, "undo", "--campaign", "5", "--yes")
    # Undoing bounces finds no complainer (here campaign 5 has no row: said as an error).
    assert "subscribed again" not in bounces_only.stdout and "Traceback" not in \
        bounces_only.stderr
    for scope in (["--since", "2000-01-01"], ["--campaign", "5"], ["--email", " "]):
        bulk = run(env, "undo", "--complaints", *scope, "--yes")  # every complainer at once
        assert bulk.returncode != 0 and "--email ADDRESS" in bulk.stderr, scope
        assert "Traceback" not in bulk.stderr
    with db.session_scope(url) as session:
        assert {s.status for s in session.query(Subscriber)} == {Status.COMPLAINED}
    mixed = run(env, "undo", "--complaints", "--reason", "policy", "--campaign", "5",
                "--email", emails[0])
    assert mixed.returncode != 0 and "complaints have no reason" in mixed.stderr
    done = run(env, "undo", "--complaints", "--email", emails[1].upper(), "--yes")
    assert done.returncode == 0, done.stderr
    assert "1 subscriber suppressed by these complaints\n" in done.stdout
    assert "A real complaint must never be undone" in done.stderr
    with db.session_scope(url) as session:
        people = {s.email: s for s in session.query(Subscriber)}
        assert people[emails[0]].status == Status.COMPLAINED  # only the one named
        assert people[emails[1]].status == Status.SUBSCRIBED
        assert not is_suppressed(session, emails[1]) and is_suppressed(session, emails[0])
        assert people[emails[1]].events[-1].detail["source"] == "complaints undo"
        [entry] = session.query(AuditEntry).filter_by(action="complaints undone").all()
        assert entry.detail["email"] == emails[1] and "never be undone" in \
            entry.detail["warning"]


def test_undo_that_finds_nobody_says_why(tmp_path):
    # `bounces undo --email X` for someone a complaint suppressed said only "0 subscribers
    # suppressed by these bounces", as for an address never on the list or a campaign that
    # does not exist: staff could not tell a typo from the wrong flag.
    from mailer.bounces import policy

    env, url = home(tmp_path)
    complained, bounced, fine = add_subscribers(url, 3)
    with db.session_scope(url) as session:
        policy.apply(session, classify.Finding(classify.COMPLAINT, complained, campaign_id=5))
        hard = classify.from_reply("550 5.1.1 <b>: Recipient address rejected: User unknown")
        hard.recipient, hard.campaign_id = bounced, 5
        policy.apply(session, hard)
    said = {
        ("--email", complained): f"only `--complaints --email {complained}` undoes it",
        ("--complaints", "--email", bounced): "suppressed by bounces, not a complaint",
        ("--email", fine): f"{fine} is subscribed: no bounce or complaint to undo",
        ("--email", "nobody@example.org"): "nobody@example.org is not on the list",
        ("--campaign", "99"): "there is no campaign 99",
    }
    for (args, words), last in itertools.product(said.items(), ("--yes", "--dry-run")):
        result = run(env, "undo", *args, last)  # a dry run too: "0 subscribers suppressed"
        assert result.returncode == 2 and "Traceback" not in result.stderr, args
        assert "suppressed by these" not in result.stdout, args  # the error alone
        assert words in result.stderr, (args, result.stderr)
    with db.session_scope(url) as session:
        assert [s.status for s in session.query(Subscriber).order_by(Subscriber.id)] == [
            Status.COMPLAINED, Status.BOUNCED, Status.SUBSCRIBED]


def test_report_says_why_a_report_was_held_in_english(tmp_path):
    from mailer.bounces import notes

    env, url = home(tmp_path)
    with db.session_scope(url) as session:
        record(session, "<new@forge>", classify.Finding(
            classify.HELD, "a@example.org", "5.1.1", "550 5.1.1 User unknown",
            notes=[notes.note(notes.HELD_NOT_SENT, kind="hard", status="5.1.1", days=30)]),
            "imap", None)
        record(session, "<old@forge>", classify.Finding(  # a row written before notes
            classify.HELD, "b@example.org", reason="held (complaint): as it was stored"),
            "imap", None)
    report = run(env, "report")
    assert report.returncode == 0, report.stderr
    assert ("<new@forge>  held (hard bounce 5.1.1): no message was sent to this address in "
            "the last 30 days · 550 5.1.1 User unknown") in report.stdout
    assert "<old@forge>  held (complaint): as it was stored" in report.stdout


def test_counts_take_the_noun_their_number_takes(tmp_path):
    # "1 subscribers", "1 messages": the command line said every count with a plural.
    from mailer.bounces import policy
    from mailer.bounces.models import BounceEvent

    env, url = home(tmp_path)
    emails = add_subscribers(url, 2)
    said = {}
    for total in (0, 1, 2, 1200):
        with db.session_scope(url) as session:
            have = session.query(BounceEvent).count()
            session.add_all(BounceEvent(key=f"k{n}", source="imap", kind="soft")
                            for n in range(have, total))
        said[total] = next(line.split(" received")[0] for line in
                           run(env, "report").stdout.splitlines() if " received" in line)
    assert said == {0: "0 messages", 1: "1 message", 2: "2 messages", 1200: "1,200 messages"}

    with db.session_scope(url) as session:
        for email in emails:
            hard = classify.from_reply("550 5.1.1 <a>: Recipient address rejected: User unknown")
            hard.recipient, hard.campaign_id = email, 7
            policy.apply(session, hard)
    for args, count in ((["--campaign", "7"], "2 subscribers"), (["--email", emails[0]],
                                                                  "1 subscriber")):
        asked = subprocess.run([sys.executable, "-m", "mailer", "bounces", "undo", *args],
                               env=env, input="n\n", capture_output=True, text=True,
                               timeout=60)
        assert asked.stdout.startswith(f"{count} suppressed by these bounces\n"), asked.stderr
        assert f"Subscribe {count} again? [y/N]" in asked.stdout, asked.stdout


def test_the_report_counts_what_changed_on_the_list_apart_from_what_came_back(tmp_path):
    # It said "hard 2" and "unsubscribe 1" when nobody had been suppressed or had left: two
    # hard bounces for addresses no longer on the list, and a forged mailto unsubscribe.
    from mailer.bounces.models import BounceEvent
    from mailer.bounces.process import handle
    from subscribers import links

    env, url = home(tmp_path)
    emails = add_subscribers(url, 2)

    def unsubscribe_mail(to, number):
        return (f"From: someone@example.net\r\nTo: {to}\r\nSubject: unsubscribe\r\n"
                f"Message-ID: <u{number}@example.net>\r\n\r\nunsubscribe\r\n").encode()

    with db.session_scope(url) as session:
        for number, gone in enumerate(["gone1@example.org", "gone2@example.org"]):
            hard = classify.from_reply("550 5.1.1 <a>: Recipient address rejected: User unknown")
            hard.recipient, hard.campaign_id = gone, 3
            record(session, f"smtp:gone{number}", hard, "smtp", None)
        reader = session.get(Subscriber, 1)
        real = links.unsubscribe_mailto(reader.id, reader.link_key)
        forged = real.replace("unsubscribe+", "unsubscribe+x", 1)
        handle(session, unsubscribe_mail(forged, 1))
    nobody = run(env, "report").stdout
    assert "changed on the list: nobody\n" in nobody, nobody
    assert "3 messages received: what they reported, not what changed on the list" in nobody
    assert "by class (reports seen, not suppressions):\n  hard" in nobody
    assert "unsubscribe " not in nobody.replace("changed on the list", "")  # the forged one
    with db.session_scope(url) as session:
        forged_event = session.query(BounceEvent).filter_by(key="<u1@example.net>").one()
        assert forged_event.kind == classify.NOT_BOUNCE
        assert forged_event.notes[-1]["code"] == "unsubscribe_not_ours"
        assert session.get(Subscriber, 1).status == Status.SUBSCRIBED

    with db.session_scope(url) as session:
        hard = classify.from_reply("550 5.1.1 <a>: Recipient address rejected: User unknown")
        hard.recipient, hard.campaign_id, hard.subscriber_id = emails[1], 3, 2
        record(session, "smtp:real", hard, "smtp", None)
        handle(session, unsubscribe_mail(real, 2))
        handle(session, unsubscribe_mail(real, 3))  # again: already off the list
    changed = run(env, "report").stdout
    assert ("changed on the list:\n"
            "  suppressed after a hard bounce                1\n"
            "  unsubscribed by email (List-Unsubscribe)      1\n") in changed, changed
    assert "  unsubscribe                                   1\n" in changed
    assert "  not_bounce                                    2\n" in changed


def test_the_report_aligns_wide_values_and_writes_years_in_four_digits(tmp_path):
    # A domain name past 40 characters pushed its count right of the others', and
    # `--since 0001-01-01` was said "since 1-01-01" (strftime's %Y on glibc).
    from mailer.bounces.models import BounceEvent

    env, _url = home(tmp_path)
    wide = "mail.a-receiving-domain-of-a-long-name.example.org"
    with db.session_scope(env["INFOLETTRE_DATABASE_URL"]) as session:
        session.add_all(BounceEvent(key=f"k{n}", source="imap", kind="soft",
                                    domain=wide if n % 2 else "gmail.com")
                        for n in range(2_002))
    report = run(env, "report", "--since", "0001-01-01")
    assert report.returncode == 0, report.stderr
    assert "changed on the list since 0001-01-01: nobody" in report.stdout
    table = report.stdout.split("by receiving domain:\n")[1].splitlines()
    assert sorted(line.split() for line in table) == [["gmail.com", "soft", "1,001"],
                                                      [wide, "soft", "1,001"]]
    assert len({len(line) for line in table}) == 1, table  # the counts end in one column
