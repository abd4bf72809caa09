"""Where messages go: a small sender interface, the backend chosen by settings.

`INFOLETTRE_SMTP_URL` set: an SMTP relay (`smtp://` with optional `?starttls=1`, or
`smtps://` for TLS from the start, credentials in the URL). Empty: a local Maildir outbox,
the embedded default, where every message can be read with any mail client.
"""

from __future__ import annotations

import contextlib
import mailbox
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from mailer.settings import get_settings


class Sender(Protocol):
    def send(self, raw: bytes, mail_from: str, rcpt_to: list[str]) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: bool  # TLS from the first byte (smtps, port 465)
    starttls: bool
    username: str | None
    password: str | None
    cafile: str | None = None  # a private CA for the relay's certificate

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"INFOLETTRE_SMTP_URL: scheme must be smtp or smtps: {url!r}")
        query = parse_qs(parts.query)
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (465 if tls else 25),
            tls=tls,
            starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            cafile=query.get("cafile", [None])[0],
        )

    def connect(self, timeout: float = 30.0) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.cafile)
        if self.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=timeout)
            if self.starttls:
                smtp.starttls(context=context)
        smtp.ehlo_or_helo_if_needed()
        if self.username:
            smtp.login(self.username, self.password or "")
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
