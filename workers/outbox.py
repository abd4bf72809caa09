"""Where a batch delivers: the SMTP relay of the settings, or the local Maildir outbox."""

from __future__ import annotations

import mailbox

from mailer.settings import Settings
from mailer.transport import SmtpConfig
from workers.smtp import Outcome, SmtpBatch


class MaildirBatch:
    """The embedded default: each message a file, written atomically (tmp/ then new/)."""

    def __init__(self, maildir: mailbox.Maildir) -> None:
        self.maildir = maildir

    def send(self, raw: bytes, mail_from: str, rcpt: str) -> Outcome:
        key = self.maildir.add(raw)
        return Outcome(True, f"250 stored as {key}")

    def close(self) -> None:
        pass


def open_batch(settings: Settings) -> SmtpBatch | MaildirBatch:
    if settings.smtp_url:
        return SmtpBatch(SmtpConfig.from_url(settings.smtp_url))
    return MaildirBatch(mailbox.Maildir(settings.outbox, create=True))
