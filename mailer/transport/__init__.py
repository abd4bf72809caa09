"""Where messages go: one small sender interface, the backend chosen by settings.

`INFOLETTRE_SMTP_URL` set: an SMTP relay (`smtp://` with optional `?starttls=1`, or
`smtps://` for TLS from the start, credentials in the URL). Empty: a local Maildir outbox,
the embedded default, where every message can be read with any mail client.

Campaign batches and confirmation emails both go through here, so international
addresses, SMTPUTF8 and what each reply of the relay means are handled once (the pattern
of warehouse's `warehouse/email/services.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from mailer.address import Undeliverable
from mailer.settings import Settings, get_settings


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    reply: str
    hard_bounce: bool = False  # the relay refused the recipient for good (5xx on RCPT)


class TemporaryFailure(Exception):
    """A 4xx, or the connection failed or went away before the message was handed over:
    try later. `relay` True: the relay itself is unavailable (refused or dropped connection,
    421, a refused sender), which says nothing about the recipient being tried; False: a
    4xx about this recipient or this message (greylisting, a full mailbox)."""

    def __init__(self, reply: str, relay: bool = True) -> None:
        super().__init__(reply)
        self.relay = relay


class Ambiguous(Exception):
    """The connection broke after the message data was sent: it may have been accepted."""


@dataclass(frozen=True)
class Envelope:
    """One message and its SMTP envelope; `key` is the caller's (a delivery)."""

    raw: bytes
    mail_from: str
    rcpt: str
    key: Any = None
    # No line of `raw` starts with a dot (mailer.message makes them so): it follows DATA as
    # it is, without a search for lines to dot-stuff (a fifth of a worker's time per message).
    dot_safe: bool = False


Result = Outcome | TemporaryFailure | Ambiguous



class Sender(Protocol):
    def address(self, email: str) -> str:
        """`email` as this backend delivers it (envelope and To header); Undeliverable
        when it cannot (mailer.address.wire_form)."""

    def send(self, raw: bytes, mail_from: str, rcpt: str) -> Outcome:
        """Accepted (2xx) or refused for good (5xx, not accepted); raises TemporaryFailure
        (try later) or Ambiguous (never try again)."""

    def stream(self, envelopes: Iterable[Envelope]) -> Iterator[tuple[Envelope, Result]]:
        """Send the envelopes as they are pulled, yielding each one's result (what `send`
        returns or raises) as the relay answers. When the stream stops (closed, or an
        error), the results of messages whose data had gone out are in `late`; an envelope
        pulled with no result in either was never handed to the relay."""

    late: list[tuple[Envelope, Result]]
    # The most messages the stream holds without a result when it asks for the next one.
    ahead: int

    def close(self) -> None: ...


class OneByOne:
    """`stream` as one `send` after the other: each message waits for the reply to the last."""

    late: list[tuple[Envelope, Result]] = []
    ahead = 0

    def stream(self, envelopes: Iterable[Envelope]) -> Iterator[tuple[Envelope, Result]]:
        for envelope in envelopes:
            try:
                result: Result = self.send(envelope.raw, envelope.mail_from, envelope.rcpt)
            except (TemporaryFailure, Ambiguous) as error:
                result = error
            except BaseException as error:  # its data may have gone out: never send it again
                self.late = [*self.late, (envelope, Ambiguous(f"stopped while sending: {error!r}"))]
                raise
            yield envelope, result


def get_sender(settings: Settings | None = None) -> Sender:
    """The backend the settings name; its connection opens on first use."""
    settings = settings or get_settings()
    if settings.smtp_url:
        from mailer.transport.smtp import SmtpConfig, SmtpSender

        return SmtpSender(SmtpConfig.from_url(settings.smtp_url))
    from mailer.transport.maildir import MaildirSender

    return MaildirSender(settings.outbox)


__all__ = ["Ambiguous", "Envelope", "OneByOne", "Outcome", "Result", "Sender",
           "TemporaryFailure", "Undeliverable", "get_sender"]
