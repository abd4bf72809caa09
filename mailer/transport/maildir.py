"""The embedded default: each message a file in a local Maildir, readable by any mail
client. Addresses are kept as they are (a file has no envelope to encode)."""

from __future__ import annotations

import contextlib
import mailbox
import threading
from pathlib import Path

from mailer.transport import OneByOne, Outcome

# The standard library's Maildir names a file by the time, the process and a counter of its
# class: two threads of one worker (its batches, two confirmations) adding in the same
# microsecond chose one name, and one message was lost; and its clean() of tmp/ failed on a
# file another thread was moving to new/ (FileNotFoundError). One at a time.
_ADDING = threading.Lock()


class MaildirSender(OneByOne):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)  # the home folder, on first use
        self.maildir = mailbox.Maildir(path, create=True)
        # A worker killed while writing leaves a partial file in tmp/ (never in new/, so no
        # mail client shows it); the Maildir convention clears those after 36 hours. Not
        # while this process adds; a file another process moves meanwhile is none of those.
        with _ADDING, contextlib.suppress(FileNotFoundError):
            self.maildir.clean()

    def address(self, email: str) -> str:
        return email

    def send(self, raw: bytes, mail_from: str, rcpt: str) -> Outcome:
        with _ADDING:
            key = self.maildir.add(raw)  # written atomically: tmp/ then new/
        return Outcome(True, f"250 stored as {key}")

    def close(self) -> None:
        pass
