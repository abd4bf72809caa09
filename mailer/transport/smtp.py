"""The SMTP relay: one connection kept for the messages that follow, and what each reply
means for a delivery.

With PIPELINING (RFC 2920) MAIL, RCPT and DATA go out together and their three replies are
read after, so a message costs two round trips instead of four. With `?streams=N` in the
relay's URL, a batch (`SmtpSender.stream`) costs one round trip per message on each of N
connections: each message's data and end-of-data go in the same write as the next
message's MAIL, RCPT and DATA (RFC 2920 section 3.1: message content may open a group,
DATA ends it), the replies are read back in the order of the commands, so each is the
answer about one recipient, and the next message is built while the relay reads (each
connection's part: mailer.transport.lanes). A relay that does not offer PIPELINING gets
the plain dialogue, a reply before each command. Two streams by default: a worker sends
its batches in threads of one process (mailer.cli_worker), and each batch keeps two
connections busy (bench/send.py).

A message marked `dot_safe` (mailer.message guarantees CRLF line ends and no line
starting with a dot) is sent after DATA as it is; any other, such as a confirmation
email, is dot-stuffed (RFC 5321 4.5.2, lanes.wire). Commands are written as UTF-8 bytes,
so an SMTPUTF8 (RFC 6531) envelope goes as it is.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

from mailer.address import wire_form
from mailer.server_url import ServerUrl
from mailer.transport import Ambiguous, Envelope, OneByOne, Outcome, Result, TemporaryFailure
from mailer.transport.lanes import Lane, Reply, relay_failed, wire

CLOSING = 421  # RFC 5321 4.2.3: the service is closing the channel, whatever was asked
MAX_STREAMS = 4  # per batch: relays limit a client's connections (Postfix: 50 in all)


@dataclass(frozen=True)
class SmtpConfig:
    server: ServerUrl

    # Pipelined streams of messages a batch opens (`?streams=N`, 0 to MAX_STREAMS): 0, one
    # message at a time (MAIL, RCPT and DATA pipelined, then the data: two round trips).
    # 2 by default: a worker's batches share one process (mailer.cli_worker), and each
    # keeps a message in flight on one connection while the other's replies are read.
    streams: int = 2

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Raises ValueError naming the setting and what it takes."""
        server = ServerUrl.parse(url, "INFOLETTRE_SMTP_URL", "smtp", (25, 465))
        streams = server.options.get("streams", "2")
        if not (streams.isdigit() and int(streams) <= MAX_STREAMS):
            raise ValueError(f"INFOLETTRE_SMTP_URL: streams={streams!r}: a number of "
                             f"connections from 0 to {MAX_STREAMS}")
        return cls(server, int(streams))

    def connect(self, timeout: float = 30.0) -> smtplib.SMTP:
        server = self.server
        if server.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=timeout, context=server.tls_context()
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
            if server.options.get("starttls", "0") in ("1", "true", "yes"):
                smtp.starttls(context=server.tls_context())
        # Each write is a whole step of the dialogue, followed by a wait for the reply: the
        # tail of a message must not wait for the acknowledgement of its head (Nagle).
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        smtp.ehlo_or_helo_if_needed()
        if server.username:
            smtp.login(server.username, server.password or "")
        return smtp


class SenderRefused(TemporaryFailure):
    """The relay refused our MAIL FROM: no recipient is at fault (mailer.bounces.breaker
    pauses the campaign when the refusal is final)."""

    stage = "mail"


def _text(reply: Reply) -> str:
    return f"{reply[0]} {reply[1].decode(errors='replace')}"[:500]


def _address(address: str) -> str:
    return address.replace("\r", "").replace("\n", "").replace(">", "")


class SmtpSender(OneByOne):
    """Sends messages one after the other over one connection (opened on first use)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.pipelining = self.smtputf8 = False
        self.late: list[tuple[Envelope, Result]] = []  # a stream's last replies, once stopped
        self.extra: list[SmtpSender] = []  # a stream's other connections

    @property
    def ahead(self) -> int:
        """On each connection, the message whose data the relay is reading and the one
        whose MAIL, RCPT and DATA it is answering."""
        return 2 * self.config.streams if self.pipelining or not self.smtp else 0

    def _connection(self) -> smtplib.SMTP:
        if self.smtp is None:
            try:
                self.smtp = self.config.connect()
            except (smtplib.SMTPException, OSError) as error:
                raise TemporaryFailure(f"relay unavailable: {error}") from error
            self.pipelining = self.smtp.has_extn("pipelining")
            self.smtputf8 = self.smtp.has_extn("smtputf8")
        return self.smtp

    def address(self, email: str) -> str:
        if not email.rpartition("@")[0].isascii():
            self._connection()  # whether the relay offers SMTPUTF8 is in its EHLO reply
        return wire_form(email, self.smtputf8)

    def _commands(self, raw: bytes, mail_from: str, rcpt: str) -> list[str]:
        utf8 = self.smtputf8 and not (rcpt.isascii() and raw.isascii())
        return [f"MAIL FROM:<{_address(mail_from)}>{' SMTPUTF8' if utf8 else ''}",
                f"RCPT TO:<{_address(rcpt)}>", "DATA"]

    def _envelope(self, commands: list[str]) -> tuple[Reply, Reply, Reply]:
        smtp = self._connection()
        if self.pipelining:
            smtp.send("".join(f"{command}\r\n" for command in commands).encode())
            return smtp.getreply(), smtp.getreply(), smtp.getreply()
        replies = []
        for command in commands:
            smtp.send(f"{command}\r\n".encode())
            replies.append(smtp.getreply())
            if replies[-1][0] >= 400:
                return (*replies, *[(503, b"not sent")] * (3 - len(replies)))
        return tuple(replies)

    def _opened(self, mail: Reply, recipient: Reply, data: Reply) -> Outcome | None:
        """None when the relay waits for the message (354); otherwise what the replies to
        MAIL, RCPT and DATA mean, the transaction reset. Raises TemporaryFailure."""
        if data[0] == 354 and (mail[0] >= 400 or recipient[0] >= 400):
            self.smtp.send(b".\r\n")  # a server that opened DATA anyway: close it empty
            self.smtp.getreply()
        if mail[0] >= 400:  # a refused sender is our problem, not the recipient's
            self._reset()
            raise SenderRefused(_text(mail))
        if recipient[0] >= 400:
            return self._refused(recipient, hard_bounce=True)
        if data[0] != 354:
            self._reset()
            raise TemporaryFailure(_text(data))  # DATA refused: the relay's trouble
        return None

    def _delivered(self, reply: Reply) -> Outcome:
        """What the reply to the end of the data means. Raises TemporaryFailure."""
        if reply[0] >= 400:
            return self._refused(reply)
        return Outcome(True, _text(reply))

    def send(self, raw: bytes, mail_from: str, rcpt: str) -> Outcome:
        try:
            refused = self._opened(*self._envelope(self._commands(raw, mail_from, rcpt)))
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TemporaryFailure(f"connection lost: {error}") from error
        if refused is not None:
            return refused
        try:
            # One write for the message and its end: one system call, one segment less.
            self.smtp.send(wire(raw))
            reply = self.smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise Ambiguous(str(error)) from error
        return self._delivered(reply)

    def stream(self, envelopes: Iterable[Envelope]) -> Iterator[tuple[Envelope, Result]]:
        """With PIPELINING and `?streams=N` (N ≥ 1) in the URL, one round trip per message
        on each of N connections: while one connection waits for its replies, the other's
        message is on its way. Otherwise one message at a time on one connection (with
        PIPELINING, MAIL, RCPT and DATA in one write; without, the plain dialogue).
        The stream ends after a failure of the relay itself; the replies to data already
        out when it stops are then read into `late`."""
        envelopes = iter(envelopes)
        upcoming = next(envelopes, None)
        if upcoming is None:
            return
        try:
            self._connection()
        except TemporaryFailure as error:
            yield upcoming, error
            return
        if not (self.pipelining and self.config.streams):
            yield from OneByOne.stream(self, chain([upcoming], envelopes))
            return
        self.extra = [SmtpSender(self.config) for _ in range(self.config.streams - 1)]
        lanes = [Lane(sender) for sender in (self, *self.extra)]
        try:
            while True:
                wrote = False
                for lane in list(lanes):  # in turn: each lane's replies, then its next write
                    if not lane.opens():  # a relay that takes fewer connections: fewer
                        lanes.remove(lane)
                        continue
                    for result in lane.collect():
                        yield result
                        if relay_failed(result[1]):
                            return
                    if upcoming is None and lane.ready is None:
                        continue
                    wrote = True
                    for result in lane.write(upcoming):
                        yield result
                        if relay_failed(result[1]):
                            return
                    upcoming = next(envelopes, None)  # built while the relay reads
                if not wrote:
                    return
        finally:
            for lane in lanes:  # replies to data already out are read, never guessed
                self.late += lane.abandon()

    def _refused(self, reply: Reply, hard_bounce: bool = False) -> Outcome:
        """5xx: this delivery fails; 4xx: try it later (421: the relay is going away)."""
        self._reset()
        if reply[0] < 500:
            raise TemporaryFailure(_text(reply), relay=reply[0] == CLOSING)
        return Outcome(False, _text(reply), hard_bounce)

    def _reset(self) -> None:
        try:
            if self.smtp is not None:
                self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def _drop(self) -> None:
        """Close without QUIT: an open transaction is abandoned, its message never ends."""
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def close(self) -> None:
        for sender in self.extra:
            sender.close()
        self.extra = []
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None
