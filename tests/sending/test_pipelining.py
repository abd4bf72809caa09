"""A stream of messages (SmtpSender.stream): with PIPELINING (RFC 2920) one write and one
round trip per message on each connection, each reply attributed to its own recipient;
without it, the plain dialogue. Against aiosmtpd and against Postfix's smtp-sink."""

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from mailer.transport import Ambiguous, Envelope, Outcome, TemporaryFailure
from mailer.transport.smtp import SenderRefused, SmtpConfig, SmtpSender
from tests.support.servers import free_port, wait_for_port

ADDRESSES = [f"reader{n}@example.org" for n in range(6)]


def envelopes(addresses=ADDRESSES):
    for number, address in enumerate(addresses):
        raw = (f"To: {address}\r\nSubject: number {number}\r\n\r\n"
               f"body of {number}\r\n.a line with a dot\r\n").encode()
        yield Envelope(raw, "bounces@example.org", address, number)


class Writes:
    """Counts the writes on a sender's connection: a round trip each here."""

    def __init__(self, sender: SmtpSender) -> None:
        self.chunks: list[bytes] = []
        sender._connection()
        real = sender.smtp.send
        sender.smtp.send = lambda data: (self.chunks.append(data), real(data))[1]


def one_connection(url: str) -> SmtpSender:
    return SmtpSender(SmtpConfig.from_url(f"{url}?streams=1"))


def stream(sender, items=None):
    return [(envelope.key, result) for envelope, result in sender.stream(items or envelopes())]


def test_a_pipelined_stream_costs_one_write_per_message(smtp_server):
    sender = one_connection(smtp_server.url)
    writes = Writes(sender)
    results = stream(sender)
    assert sender.pipelining
    assert [key for key, _ in results] == list(range(len(ADDRESSES)))
    assert all(isinstance(result, Outcome) and result.accepted for _, result in results)
    assert len(writes.chunks) == len(ADDRESSES) + 1  # the data of one, the envelope of the next
    assert b".\r\nMAIL FROM:" in writes.chunks[1]
    assert [rcpts for _, rcpts in smtp_server.envelopes] == [[a] for a in ADDRESSES]
    assert [m["Subject"] for m in smtp_server.messages] == [f"number {n}" for n in range(6)]
    assert smtp_server.raw[0].replace(b"\r\n", b"\n").endswith(b"body of 0\n.a line with a dot\n")
    sender.close()


def test_a_relay_without_pipelining_gets_the_plain_dialogue(smtp_server):
    smtp_server.pipelining = False
    sender = SmtpSender(SmtpConfig.from_url(smtp_server.url))
    writes = Writes(sender)
    results = stream(sender)
    assert not sender.pipelining
    assert all(result.accepted for _, result in results)
    assert len(writes.chunks) == 4 * len(ADDRESSES)  # MAIL, RCPT, DATA, the data: one each
    assert all(chunk.count(b"\r\n") == 1 for chunk in writes.chunks if b"FROM:" in chunk)
    assert [rcpts for _, rcpts in smtp_server.envelopes] == [[a] for a in ADDRESSES]
    sender.close()


@pytest.mark.parametrize("pipelining", [True, False])
@pytest.mark.parametrize("streams", [0, 1, 2])
def test_each_refusal_inside_a_pipelined_group_is_its_recipients_alone(smtp_server,
                                                                        pipelining, streams):
    smtp_server.pipelining = pipelining
    smtp_server.reject_rcpt[ADDRESSES[2]] = "550 5.1.1 No such user"
    smtp_server.reject_rcpt[ADDRESSES[3]] = "452 4.2.2 Mailbox full"
    sender = SmtpSender(SmtpConfig.from_url(f"{smtp_server.url}?streams={streams}"))
    results = dict(stream(sender))
    sender.close()
    assert [results[n].accepted for n in (0, 1, 4, 5)] == [True] * 4
    assert isinstance(results[2], Outcome) and not results[2].accepted
    assert results[2].hard_bounce and results[2].reply.startswith("550 5.1.1")
    assert isinstance(results[3], TemporaryFailure) and not results[3].relay
    assert str(results[3]).startswith("452")
    delivered = sorted(rcpts[0] for _, rcpts in smtp_server.envelopes)
    assert delivered == [ADDRESSES[n] for n in (0, 1, 4, 5)]
    assert sorted(m["To"] for m in smtp_server.messages) == delivered


def test_a_refused_sender_is_the_relays_trouble_and_ends_the_stream(smtp_server):
    smtp_server.refuse_mail = "550 5.7.1 Sender rejected"
    sender = one_connection(smtp_server.url)
    results = stream(sender)
    sender.close()
    assert len(results) == 1 and isinstance(results[0][1], SenderRefused)
    assert not smtp_server.messages


def test_a_connection_cut_mid_stream(smtp_server):
    """Cut at the third RCPT: the first two were accepted, the third was never handed over;
    nothing after it was pulled."""
    smtp_server.drop_at_rcpt = 3
    sender = one_connection(smtp_server.url)
    pulled = []

    def counted():
        for envelope in envelopes():
            pulled.append(envelope.key)
            yield envelope

    results = stream(sender, counted())
    sender.close()
    assert [result.accepted for _, result in results[:2]] == [True, True]
    assert results[2][0] == 2 and isinstance(results[2][1], TemporaryFailure)
    assert results[2][1].relay and len(results) == 3
    assert pulled == [0, 1, 2, 3]  # the fourth was built while the relay read: never sent
    assert len(smtp_server.messages) == 2


def test_a_stream_closed_early_abandons_the_open_transaction(smtp_server):
    sender = one_connection(smtp_server.url)
    results = sender.stream(envelopes())
    first = next(results)
    assert first[1].accepted
    results.close()  # the second's MAIL, RCPT and DATA were answered: no end of data sent
    assert sender.smtp is None
    assert [m["Subject"] for m in smtp_server.messages] == ["number 0"]


def test_the_relay_gone_after_the_data_leaves_that_message_unsure(smtp_server):
    sender = one_connection(smtp_server.url)
    writes = Writes(sender)
    real_getreply = sender.smtp.getreply

    def getreply():
        if len(writes.chunks) == 3:  # the second message's data has gone out
            raise OSError("connection reset")
        return real_getreply()

    sender.smtp.getreply = getreply
    results = stream(sender)
    assert results[0][1].accepted
    assert results[1][0] == 1 and isinstance(results[1][1], Ambiguous)
    assert results[2][0] == 2 and isinstance(results[2][1], TemporaryFailure)
    assert results[2][1].relay and len(results) == 3


@pytest.fixture
def smtp_sink():
    """Postfix's smtp-sink, each message dumped to a file of its own (in a folder its user,
    `nobody` when the tests run as root, can write)."""
    port = free_port()
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory(prefix="sink-") as folder:
        dumps = Path(folder)
        dumps.chmod(0o777)
        proc = subprocess.Popen(["smtp-sink", *user, "-d", f"{dumps}/%M.",
                                 f"127.0.0.1:{port}", "16"])
        wait_for_port(port, proc=proc)
        yield port, dumps
        proc.kill()
        proc.wait(timeout=10)


def test_a_pipelined_stream_to_smtp_sink(smtp_sink):
    port, dumps = smtp_sink
    addresses = [f"reader{n}@example.org" for n in range(40)]
    sender = one_connection(f"smtp://127.0.0.1:{port}")
    writes = Writes(sender)
    results = stream(sender, envelopes(addresses))
    assert sender.pipelining and len(writes.chunks) == len(addresses) + 1
    sender.close()
    assert [key for key, _ in results] == list(range(40))
    assert all(result.accepted for _, result in results)
    received = sorted(path.read_text() for path in dumps.iterdir())
    assert len(received) == 40
    for number, address in enumerate(addresses):
        assert sum(f"X-Rcpt-Args: <{address}>\n" in text
                   and f"Subject: number {number}\n" in text for text in received) == 1


@pytest.mark.parametrize("streams", [0, 2, 3])
def test_several_connections_to_smtp_sink_each_message_once(smtp_sink, streams):
    port, dumps = smtp_sink
    addresses = [f"reader{n}@example.org" for n in range(41)]
    sender = SmtpSender(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}?streams={streams}"))
    results = dict(stream(sender, envelopes(addresses)))
    sender.close()
    assert sorted(results) == list(range(41)) and all(r.accepted for r in results.values())
    received = [path.read_text() for path in dumps.iterdir()]
    assert len(received) == 41
    for number, address in enumerate(addresses):
        assert sum(f"X-Rcpt-Args: <{address}>\n" in text
                   and f"Subject: number {number}\n" in text for text in received) == 1


def test_several_connections_a_refusal_is_its_recipients_alone(smtp_server):
    smtp_server.reject_rcpt[ADDRESSES[3]] = "550 5.1.1 No such user"
    sender = SmtpSender(SmtpConfig.from_url(f"{smtp_server.url}?streams=2"))
    results = dict(stream(sender))
    sender.close()
    assert not results[3].accepted and results[3].reply.startswith("550 5.1.1")
    assert all(results[n].accepted for n in (0, 1, 2, 4, 5))
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        ADDRESSES[n] for n in (0, 1, 2, 4, 5))
    assert sorted(rcpts[0] for _, rcpts in smtp_server.envelopes) == sorted(
        ADDRESSES[n] for n in (0, 1, 2, 4, 5))


def test_a_closed_stream_reads_the_replies_to_data_already_out(smtp_server):
    """Stopped after the first result: the other connection's message, whose data went out,
    has its reply read into `late`; nothing whose data did not go out is delivered."""
    sender = SmtpSender(SmtpConfig.from_url(f"{smtp_server.url}?streams=2"))
    results = sender.stream(envelopes())
    first = next(results)
    results.close()
    late = {envelope.key: result for envelope, result in sender.late}
    assert all(result.accepted for result in late.values())
    assert 1 + len(late) == len(smtp_server.messages)
    assert first[0] not in late
    sender.close()


@pytest.mark.parametrize("value", ["-1", "5", "two"])
def test_a_wrong_number_of_streams_is_named(value):
    with pytest.raises(ValueError, match="INFOLETTRE_SMTP_URL: streams="):
        SmtpConfig.from_url(f"smtp://relay.example.org?streams={value}")
