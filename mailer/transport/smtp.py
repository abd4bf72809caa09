"""The SMTP relay: one connection kept for the messages that follow, and what each reply
means for a delivery.

With PIPELINING (RFC 2920) MAIL, RCPT and DATA go out together and their three replies are
read after, so a message costs two round trips instead of four; a stream of messages
(`SmtpSender.stream`) costs one: each message's data and end-of-data go in the same write
as the next message's MAIL, RCPT and DATA (RFC 2920 section 3.1: message content may open
a group, DATA ends it), and the replies are read back in the order of the commands, so each
is the answer about one recipient. The next message is built while the relay reads. A
relay that does not offer PIPELINING gets the plain dialogue, a reply before each command.

The message is sent after DATA as it is (mailer.message guarantees CRLF line ends and no
line starting with a dot); any other message, such as a confirmation email, is
dot-stuffed here (RFC 5321 4.5.2). Commands are written as UTF-8 bytes, so an SMTPUTF8
(RFC 6531) envelope goes as it is.
"""

from __future__ import annotations

import re
import smtplib
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

from mailer.address import wire_form
from mailer.server_url import ServerUrl
from mailer.transport import Ambiguous, Envelope, OneByOne, Outcome, Result, TemporaryFailure

Reply = tuple[int, bytes]
CLOSING = 421  # RFC 5321 4.2.3: the service is closing the channel, whatever was asked


@dataclass(frozen=True)
class SmtpConfig:
    server: ServerUrl

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        return cls(ServerUrl.parse(url, "INFOLETTRE_SMTP_URL", "smtp", (25, 465)))

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


def _wire(raw: bytes) -> bytes:
    """The message as it follows DATA: dot-stuffed if it needs it (RFC 5321 4.5.2), then the
    end-of-data line, ready for one write."""
    if raw.startswith(b".") or b"\n." in raw:
        raw = re.sub(rb"(?m)^\.", b"..", raw)
    return raw + (b".\r\n" if raw.endswith(b"\r\n") else b"\r\n.\r\n")


class SmtpSender(OneByOne):
    """Sends messages one after the other over one connection (opened on first use)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.pipelining = self.smtputf8 = False
        self.unsure: list[Envelope] = []

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
            self.smtp.send(_wire(raw))
            reply = self.smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise Ambiguous(str(error)) from error
        return self._delivered(reply)

    def stream(self, envelopes: Iterable[Envelope]) -> Iterator[tuple[Envelope, Result]]:
        """One round trip per message with PIPELINING, the plain dialogue without (see the
        module's docstring). The stream ends after a failure of the relay itself."""
        envelopes = iter(envelopes)
        upcoming = next(envelopes, None)
        if upcoming is None:
            return
        try:
            self._connection()
        except TemporaryFailure as error:
            yield upcoming, error
            return
        if not self.pipelining:
            yield from OneByOne.stream(self, chain([upcoming], envelopes))
            return
        ready: Envelope | None = None  # the relay said 354: its data goes in the next write
        pending: Envelope | None = None  # its MAIL, RCPT and DATA written, replies unread
        try:
            while ready or upcoming:
                pending, upcoming = upcoming, None
                try:
                    smtp = self._connection()  # again after a refusal whose reset failed
                except TemporaryFailure as error:
                    yield pending, error  # nothing else in flight: ready needs this connection
                    return
                out = [_wire(ready.raw)] if ready else []
                if pending:
                    out.append("".join(f"{command}\r\n" for command in self._commands(
                        pending.raw, pending.mail_from, pending.rcpt)).encode())
                self.unsure = [ready] if ready else []
                try:
                    smtp.send(b"".join(out))
                except (smtplib.SMTPException, OSError) as error:
                    yield from self._lost(error, ready, pending)
                    return
                upcoming = next(envelopes, None)  # built while the relay reads
                if ready:
                    try:
                        reply = self.smtp.getreply()
                    except (smtplib.SMTPException, OSError) as error:
                        yield from self._lost(error, ready, pending)
                        return
                    self.unsure, done, ready = [], ready, None
                    yield done, self._result(self._delivered, reply)
                if pending:
                    try:
                        replies = (self.smtp.getreply(), self.smtp.getreply(),
                                   self.smtp.getreply())
                        refused = self._result(self._opened, *replies)
                    except (smtplib.SMTPException, OSError) as error:
                        yield from self._lost(error, None, pending)
                        return
                    done, pending = pending, None
                    if refused is None:
                        ready = done
                        continue
                    yield done, refused
                    if isinstance(refused, TemporaryFailure) and refused.relay:
                        return
        finally:
            if pending or ready:  # stopped with a transaction open: abort it, never end it
                self._drop()

    @staticmethod
    def _result(judge, *replies: Reply) -> Result | None:
        try:
            return judge(*replies)
        except TemporaryFailure as error:
            return error

    def _lost(self, error: Exception, ready: Envelope | None, pending: Envelope | None
              ) -> Iterator[tuple[Envelope, Result]]:
        """The connection failed: the message whose data went out may have been accepted;
        the one whose data did not was never handed over."""
        self._drop()
        self.unsure = []
        if ready:
            yield ready, Ambiguous(str(error))
        if pending:
            yield pending, TemporaryFailure(f"connection lost: {error}")

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
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None
