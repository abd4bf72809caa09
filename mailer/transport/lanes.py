"""One connection of a pipelined stream (mailer.transport.smtp `SmtpSender.stream`): the
messages it holds at each step of the dialogue, and what goes on the wire after DATA.

RFC 2920 section 3.1: a message's data and end-of-data may open a group of commands, DATA
ends it; the replies come back in the order of the commands, so each is about one message.
"""

from __future__ import annotations

import re
import smtplib
from typing import TYPE_CHECKING

from mailer.transport import Ambiguous, Envelope, Result, TemporaryFailure

if TYPE_CHECKING:  # for the annotation only: smtp.py imports this module
    from mailer.transport.smtp import SmtpSender

Reply = tuple[int, bytes]


def wire(raw: bytes, dot_safe: bool = False) -> bytes:
    """The message as it follows DATA: dot-stuffed if it needs it (RFC 5321 4.5.2) and is not
    `dot_safe`, then the end-of-data line, ready for one write."""
    if not dot_safe and (raw.startswith(b".") or b"\n." in raw):
        raw = re.sub(rb"(?m)^\.", b"..", raw)
    return raw + (b".\r\n" if raw.endswith(b"\r\n") else b"\r\n.\r\n")


def relay_failed(result: Result) -> bool:
    return isinstance(result, TemporaryFailure) and result.relay


def _judged(judge, *replies: Reply) -> Result | None:
    try:
        return judge(*replies)
    except TemporaryFailure as error:
        return error


class Lane:
    """One connection of a stream: the message whose data the relay is reading (`out`),
    the one whose MAIL, RCPT and DATA it is answering (`pending`), and the one it said 354
    to, whose data goes in the next write (`ready`)."""

    def __init__(self, sender: SmtpSender) -> None:
        self.sender = sender
        self.ready = self.out = self.pending = None
        self.used = sender.smtp is not None  # the stream's first connection is open already

    def opens(self) -> bool:
        """False for an extra connection the relay refuses at its first try."""
        if self.sender.smtp is None and not self.used:
            self.used = True
            try:
                self.sender._connection()
            except TemporaryFailure:
                return False
        return True

    def write(self, envelope: Envelope | None) -> list[tuple[Envelope, Result]]:
        """The ready message's data and end, then `envelope`'s MAIL, RCPT and DATA, in one
        write; returns the failures."""
        sender = self.sender
        try:
            smtp = sender._connection()  # again after a refusal whose reset failed
        except TemporaryFailure as error:  # ready is None then: it needs the old connection
            return [(envelope, error)] if envelope else []
        chunks = [wire(self.ready.raw, self.ready.dot_safe)] if self.ready else []
        if envelope:
            chunks.append("".join(f"{command}\r\n" for command in sender._commands(
                envelope.raw, envelope.mail_from, envelope.rcpt)).encode())
        self.out, self.ready, self.pending = self.ready, None, envelope
        try:
            smtp.send(b"".join(chunks))
        except (smtplib.SMTPException, OSError) as error:
            return self._lost(error)
        return []

    def collect(self) -> list[tuple[Envelope, Result]]:
        """The replies to the last write, in order: each message's own."""
        results = []
        smtp = self.sender.smtp
        if self.out:
            try:
                reply = smtp.getreply()
            except (smtplib.SMTPException, OSError) as error:
                return self._lost(error)
            results.append((self.out, _judged(self.sender._delivered, reply)))
            self.out = None
        if self.pending:
            try:
                replies = smtp.getreply(), smtp.getreply(), smtp.getreply()
                refused = _judged(self.sender._opened, *replies)
            except (smtplib.SMTPException, OSError) as error:
                return results + self._lost(error)
            if refused is None:
                self.ready = self.pending
            else:
                results.append((self.pending, refused))
            self.pending = None
        return results

    def _lost(self, error: Exception) -> list[tuple[Envelope, Result]]:
        """The connection failed: the message whose data went out may have been accepted;
        the one whose data did not was never handed over."""
        self.sender._drop()
        results = [(self.out, Ambiguous(str(error)))] if self.out else []
        if self.pending:
            results.append((self.pending, TemporaryFailure(f"connection lost: {error}")))
        self.ready = self.out = self.pending = None
        return results

    def abandon(self) -> list[tuple[Envelope, Result]]:
        """The stream stopped: the reply to data already out is read; a transaction whose
        data did not go out is abandoned with the connection (it never ends)."""
        results = []
        if self.out:
            try:
                results.append((self.out, _judged(self.sender._delivered,
                                                  self.sender.smtp.getreply())))
            except (smtplib.SMTPException, OSError) as error:
                results.append((self.out, Ambiguous(str(error))))
            self.out = None
        if self.pending or self.ready:
            self.sender._drop()
            self.pending = self.ready = None
        return results
