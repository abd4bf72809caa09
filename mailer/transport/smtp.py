"""The SMTP relay: one connection kept for the messages that follow, and what each reply
means for a delivery.

With PIPELINING (RFC 2920) MAIL, RCPT and DATA go out together and their three replies are
read after, so a message costs two round trips instead of four. The message is sent after
DATA as it is (mailer.message guarantees CRLF line ends and no line starting with a dot);
any other message, such as a confirmation email, is dot-stuffed here (RFC 5321 4.5.2).
Commands are written as UTF-8 bytes, so an SMTPUTF8 (RFC 6531) envelope goes as it is.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass

from mailer.address import wire_form
from mailer.server_url import ServerUrl
from mailer.transport import Ambiguous, Outcome, TemporaryFailure

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


class SmtpSender:
    """Sends messages one after the other over one connection (opened on first use)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.pipelining = self.smtputf8 = False

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

    def _envelope(self, mail_from: str, rcpt: str, utf8: bool) -> tuple[Reply, Reply, Reply]:
        smtp = self._connection()
        commands = [f"MAIL FROM:<{_address(mail_from)}>{' SMTPUTF8' if utf8 else ''}",
                    f"RCPT TO:<{_address(rcpt)}>", "DATA"]
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

    def send(self, raw: bytes, mail_from: str, rcpt: str) -> Outcome:
        utf8 = self.smtputf8 and not (rcpt.isascii() and raw.isascii())
        try:
            mail, recipient, data = self._envelope(mail_from, rcpt, utf8)
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
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TemporaryFailure(f"connection lost: {error}") from error
        if raw.startswith(b".") or b"\n." in raw:  # RFC 5321 4.5.2 dot-stuffing
            raw = re.sub(rb"(?m)^\.", b"..", raw)
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

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None
