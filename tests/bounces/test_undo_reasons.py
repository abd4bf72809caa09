"""`bounces undo --reason`: each reason the help lists finds exactly the suppressions it
names (mailer.bounces.undo), one test per family: a hard bounce's reason; a soft bounce
score's ("soft", and the reasons of the bounces that filled it: `mailbox full` found nobody
when the score's suppression kept only "soft bounce score reached"); the sender's reasons,
which never suppress."""

from __future__ import annotations

import pytest

from mailer import db
from mailer.bounces import classify, policy, undo
from subscribers.models import EventKind, Status, Subscriber
from tests.bounces.test_cli import home, run
from tests.sending.conftest import add_subscribers

HARD = {"user unknown": "550 5.1.1 <a@b>: Recipient address rejected: User unknown",
        "host unknown": "550 5.1.2 Host or domain name not found",
        "account disabled": "550 5.2.1 The email account that you tried to reach is disabled"}
SOFT = {"mailbox full": "552 5.2.2 Mailbox full", "expired": "550 5.4.7 Delivery time expired",
        "unknown": "550 5.0.0 Something we have never read"}


def bounce(url: str, email: str, reply: str, campaign: int, cause: str) -> None:
    with db.session_scope(url) as session:
        finding = classify.from_reply(reply)
        assert str(finding.cause) == cause, (reply, finding.cause)
        finding.recipient, finding.campaign_id = email, campaign
        policy.apply(session, finding)


def found(url: str, reason: str) -> list[str]:
    with db.session_scope(url) as session:
        return [s.email for s in undo.suppressed(session, undo.Scope(since=None, reason=reason,
                                                                     campaign_id=None))]


def test_a_hard_bounce_is_found_by_its_reason_only(database_url):
    emails = add_subscribers(database_url, len(HARD))
    for email, (cause, reply) in zip(emails, HARD.items(), strict=True):
        bounce(database_url, email, reply, 1, cause)
    for email, cause in zip(emails, HARD, strict=True):
        assert found(database_url, cause) == [email]
    assert found(database_url, "soft") == found(database_url, "mailbox full") == []


def test_a_score_is_found_by_soft_and_by_the_reasons_that_filled_it(database_url):
    # One reader per soft reason, three issues each; one more whose score mailbox full
    # and expired filled together.
    emails = add_subscribers(database_url, len(SOFT) + 1)
    for email, (cause, reply) in zip(emails, SOFT.items(), strict=False):
        for campaign in (1, 2, 3):
            bounce(database_url, email, reply, campaign, cause)
    mixed = emails[-1]
    for campaign, cause in ((1, "expired"), (2, "mailbox full"), (3, "expired")):
        bounce(database_url, mixed, SOFT[cause], campaign, cause)
    with db.session_scope(database_url) as session:
        assert {s.status for s in session.query(Subscriber)} == {Status.BOUNCED}
    assert found(database_url, "soft") == emails
    assert found(database_url, "mailbox full") == [emails[0], mixed]
    assert found(database_url, "expired") == [emails[1], mixed]
    assert found(database_url, "unknown") == [emails[2]]
    assert found(database_url, "user unknown") == []


def test_a_score_suppressed_before_its_reasons_were_kept_is_found_too(database_url):
    [email] = add_subscribers(database_url, 1)
    for campaign in (1, 2, 3):
        bounce(database_url, email, SOFT["mailbox full"], campaign, "mailbox full")
    with db.session_scope(database_url) as session:  # the row as the older version wrote it
        [*_, last] = [e for e in session.get(Subscriber, 1).events
                      if e.kind == EventKind.BOUNCED]
        last.detail = {"reason": "soft bounce score reached"}
    assert found(database_url, "mailbox full") == found(database_url, "soft") == [email]
    assert found(database_url, "expired") == []


def test_undo_by_mailbox_full_on_the_command_line(tmp_path):
    env, url = home(tmp_path)
    [email, other] = add_subscribers(url, 2)
    for campaign in (1, 2, 3):
        bounce(url, email, SOFT["mailbox full"], campaign, "mailbox full")
    bounce(url, other, HARD["user unknown"], 3, "user unknown")
    done = run(env, "undo", "--campaign", "3", "--reason", " Mailbox  FULL ", "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 subscriber suppressed by these bounces\n"), done.stdout
    assert email in done.stdout and other not in done.stdout
    with db.session_scope(url) as session:
        assert [s.status for s in session.query(Subscriber).order_by(Subscriber.id)] == [
            Status.SUBSCRIBED, Status.BOUNCED]


@pytest.mark.parametrize("reason", ["policy", "blocked", "on hold"])
def test_the_senders_reasons_never_suppress_and_say_so(tmp_path, reason):
    env, _ = home(tmp_path)
    refused = run(env, "undo", "--campaign", "1", "--reason", reason)
    assert refused.returncode != 0 and "never suppresses a subscriber" in refused.stderr
    assert "'mailbox full'" not in refused.stderr and "mailbox full" in refused.stderr
