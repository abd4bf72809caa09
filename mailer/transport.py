"""Where messages go: a small sender interface, the backend chosen by settings.

`INFOLETTRE_SMTP_URL` set: an SMTP relay (`smtp://` with optional `?starttls=1`, or
`smtps://` for TLS from the start, credentials in the URL). Empty: a local Maildir outbox,
the embedded default, where every message can be read with any mail client.
"""

from __future__ import annotations

import contextlib
import mailbox
import smtplib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from mailer.server_url import ServerUrl
from mailer.settings import get_settings


class Sender(Protocol):
    def send(self, raw: bytes, mail_from: str, rcpt_to: list[str]) -> None: ...

    def close(self) -> None: ...


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


class SmtpSender:
    """One connection, opened on first use and kept for the messages that follow."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def send(self, raw: bytes, mail_from: str, rcpt_to: list[str]) -> None:
        if self._smtp is None:
            self._smtp = self.config.connect()
        self._smtp.sendmail(mail_from, rcpt_to, raw)

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


class MaildirSender:
    """The local outbox: each message a file in a Maildir."""

    def __init__(self, path: Path) -> None:
        self.maildir = mailbox.Maildir(path, create=True)

    def send(self, raw: bytes, mail_from: str, rcpt_to: list[str]) -> None:
        self.maildir.add(raw)

    def close(self) -> None:
        pass


def get_sender() -> Sender:
    settings = get_settings()
    if settings.smtp_url:
        return SmtpSender(SmtpConfig.from_url(settings.smtp_url))
    return MaildirSender(settings.outbox)
