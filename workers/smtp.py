"""One SMTP connection per batch, and what each SMTP reply means for a delivery.

With PIPELINING (RFC 2920) MAIL, RCPT and DATA go out together and their three replies are
read after, so a message costs two round trips instead of four. The message is sent after
DATA as it is: mailer.message guarantees CRLF line ends and no line starting with a dot.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

from mailer.transport import SmtpConfig


class TemporaryFailure(Exception):
    """4xx, or the connection went away before the message was handed over: try later."""


class SenderRefused(TemporaryFailure):
    """The relay refused our MAIL FROM: no recipient is at fault (mailer.bounces.breaker)."""

    stage = "mail"


class Ambiguous(Exception):
    """The connection broke after the message data was sent: it may have been accepted."""


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    reply: str
    hard_bounce: bool = False  # the relay refused the recipient for good (5xx on RCPT)


Reply = tuple[int, bytes]


def _text(reply: Reply) -> str:
    return f"{reply[0]} {reply[1].decode(errors='replace')}"[:500]


def _address(address: str) -> str:
    return address.replace("\r", "").replace("\n", "").replace(">", "")


class SmtpBatch:
    """Sends messages one after the other over one connection (opened on first use)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.pipelining = False

    def _envelope(self, mail_from: str, rcpt: str) -> tuple[Reply, Reply, Reply]:
        if self.smtp is None:
            self.smtp = self.config.connect()
            self.pipelining = self.smtp.has_extn("pipelining")
        smtp = self.smtp
        commands = [f"MAIL FROM:<{_address(mail_from)}>", f"RCPT TO:<{_address(rcpt)}>", "DATA"]
        if self.pipelining:
            smtp.send("".join(f"{command}\r\n" for command in commands))
            return smtp.getreply(), smtp.getreply(), smtp.getreply()
        replies = []
        for command in commands:
            smtp.putcmd(command)
            replies.append(smtp.getreply())
            if replies[-1][0] >= 400:
                return (*replies, *[(503, b"not sent")] * (3 - len(replies)))
        return tuple(replies)

    def send(self, raw: bytes, mail_from: str, rcpt: str) -> Outcome:
        """Accepted (2xx), refused for good (5xx: Outcome not accepted), or an exception:
        TemporaryFailure (try again later) or Ambiguous (never try again)."""
        try:
            mail, recipient, data = self._envelope(mail_from, rcpt)
            if data[0] == 354 and (mail[0] >= 400 or recipient[0] >= 400):
                self.smtp.send(b".\r\n")  # a server that opened DATA anyway: close it empty
                self.smtp.getreply()
            if mail[0] >= 400:  # a refused sender is our problem, not the recipient's
                self._reset()
                raise SenderRefused(_text(mail))
            if recipient[0] >= 400:
                return self._refused(recipient, hard_bounce=True)
            if data[0] != 354:
                return self._refused(data)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TemporaryFailure(str(error)) from error
        try:
            self.smtp.send(raw if raw.endswith(b"\r\n") else raw + b"\r\n")
            self.smtp.send(b".\r\n")
            reply = self.smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise Ambiguous(str(error)) from error
        if reply[0] >= 400:
            return self._refused(reply)
        return Outcome(True, _text(reply))

    def _refused(self, reply: Reply, hard_bounce: bool = False) -> Outcome:
        self._reset()
        if reply[0] < 500:
            raise TemporaryFailure(_text(reply))
        return Outcome(False, _text(reply), hard_bounce)

    def _reset(self) -> None:
        try:
            if self.smtp is not None:
                self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None
