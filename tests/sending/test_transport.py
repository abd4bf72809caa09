"""The one transport against a real SMTP server: any message arrives whole, whatever its
lines; each kind of relay failure is told apart."""

import pytest

from mailer.transport import TemporaryFailure
from mailer.transport.smtp import SmtpConfig, SmtpSender
from tests.support.servers import free_port


def test_lines_starting_with_a_dot_are_stuffed(smtp_server):
    raw = b"Subject: dots\r\n\r\nfirst\r\n.\r\n..two\r\n.end\r\n"
    sender = SmtpSender(SmtpConfig.from_url(smtp_server.url))
    assert sender.send(raw, "from@example.org", "to@example.org").accepted
    sender.close()
    assert smtp_server.raw[-1].replace(b"\r\n", b"\n").endswith(b"first\n.\n..two\n.end\n")


def test_refused_connection_is_the_relays_trouble():
    sender = SmtpSender(SmtpConfig.from_url(f"smtp://127.0.0.1:{free_port()}"))
    with pytest.raises(TemporaryFailure) as error:
        sender.send(b"Subject: x\r\n\r\nx\r\n", "from@example.org", "to@example.org")
    assert error.value.relay and "relay unavailable" in str(error.value)


def test_greylisted_recipient_is_not_the_relays_trouble(smtp_server):
    smtp_server.temporary_failures = 1
    sender = SmtpSender(SmtpConfig.from_url(smtp_server.url))
    with pytest.raises(TemporaryFailure) as error:
        sender.send(b"Subject: x\r\n\r\nx\r\n", "from@example.org", "to@example.org")
    assert not error.value.relay and str(error.value).startswith("451")
    assert sender.send(b"Subject: x\r\n\r\nx\r\n", "from@example.org", "to@example.org").accepted
    sender.close()


def test_the_local_outbox_keeps_every_message_sent_from_threads_at_once(tmp_path,
                                                                        monkeypatch):
    # A worker's threads (its batches, two confirmations) adding in the same microsecond
    # chose one file name, and one message was lost (FileNotFoundError). Every add made in
    # one microsecond here, as they were then.
    import mailbox
    from concurrent.futures import ThreadPoolExecutor

    from mailer.transport.maildir import MaildirSender

    monkeypatch.setattr(mailbox.time, "time", lambda: 1796129665.872941)
    outbox = MaildirSender(tmp_path / "outbox")
    raw = b"Subject: x\r\n\r\nbody\r\n"
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: outbox.send(raw, "a@x.org", "b@x.org"), range(800)))
    assert all(outcome.accepted for outcome in outcomes)
    assert len(list((tmp_path / "outbox" / "new").iterdir())) == 800
