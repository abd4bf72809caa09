"""One SMTP connection per batch, and what each SMTP reply means for a delivery."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

from mailer.transport import SmtpConfig


class TemporaryFailure(Exception):
    """4xx, or the connection went away before the message was handed over: try later."""


class Ambiguous(Exception):
    """The connection broke after the message data was sent: it may have been accepted."""


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    reply: str
    hard_bounce: bool = False  # the relay refused the recipient for good (5xx on RCPT)


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else message
    return f"{code} {text}"[:500]


class SmtpBatch:
    """Sends messages one after the other over one connection (opened on first use)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, raw: bytes, mail_from: str, rcpt: str) -> Outcome:
        """Accepted (2xx), refused for good (5xx: Outcome not accepted), or an exception:
        TemporaryFailure (try again later) or Ambiguous (never try again)."""
        try:
            if self.smtp is None:
                self.smtp = self.config.connect()
            smtp = self.smtp
            code, message = smtp.mail(mail_from)
            if code >= 400:  # a refused sender is our problem, not the recipient's: retry
                self._reset()
                raise TemporaryFailure(_reply(code, message))
            code, message = smtp.rcpt(rcpt)
            if code >= 400:
                return self._refused(code, message, hard_bounce=True)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TemporaryFailure(str(error)) from error
        try:
            code, message = smtp.data(raw)
        except smtplib.SMTPDataError as error:
            return self._refused(error.smtp_code, error.smtp_error)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise Ambiguous(str(error)) from error
        return Outcome(True, _reply(code, message))

    def _refused(self, code: int, message, hard_bounce: bool = False) -> Outcome:
        self._reset()
        if code < 500:
            raise TemporaryFailure(_reply(code, message))
        return Outcome(False, _reply(code, message), hard_bounce)

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
