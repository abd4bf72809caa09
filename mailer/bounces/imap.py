"""The bounce mailbox over IMAP: every message read, handled once, then moved away.

A message is moved to "processed" (or "needs-review" when nothing in it could be
recognised) only after its effects are committed; nothing is ever deleted unread. A poller
killed between the commit and the move finds the message again next time, sees its key is
known and only moves it.
"""

from __future__ import annotations

import contextlib
import imaplib
import ssl
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from mailer import db
from mailer.bounces.process import handle, is_recognised

PROCESSED, REVIEW = "processed", "needs-review"


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    tls: bool
    username: str
    password: str
    folder: str
    cafile: str | None = None  # a private CA for the server's certificate

    @classmethod
    def from_url(cls, url: str) -> ImapConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps"):
            raise ValueError(f"INFOLETTRE_BOUNCE_IMAP_URL: imap:// or imaps://, not {url!r}")
        tls = parts.scheme == "imaps"
        return cls(parts.hostname or "127.0.0.1", parts.port or (993 if tls else 143), tls,
                   unquote(parts.username or ""), unquote(parts.password or ""),
                   parts.path.strip("/") or "INBOX", parse_qs(parts.query).get("cafile", [None])[0])

    def connect(self) -> imaplib.IMAP4:
        if self.tls:
            context = ssl.create_default_context(cafile=self.cafile)
            imap = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=30)
        else:
            imap = imaplib.IMAP4(self.host, self.port, timeout=30)
        imap.login(self.username, self.password)
        return imap


def _move(imap: imaplib.IMAP4, uid: bytes, folder: str, can_move: bool) -> None:
    if can_move:
        imap.uid("MOVE", uid, folder)
    else:
        imap.uid("COPY", uid, folder)
        imap.uid("STORE", uid, "+FLAGS", r"(\Deleted)")
        imap.expunge()


def poll(url: str, limit: int | None = None) -> Counter:
    """Read the mailbox once; returns how many messages of each kind were handled."""
    config = ImapConfig.from_url(url)
    imap = config.connect()
    counts: Counter = Counter()
    try:
        for folder in (PROCESSED, REVIEW):
            imap.create(folder)  # "already exists" is fine
        imap.select(config.folder)
        can_move = "MOVE" in imap.capabilities
        _, data = imap.uid("SEARCH", None, "ALL")
        for uid in data[0].split()[:limit]:
            _, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next(item[1] for item in fetched if isinstance(item, tuple))
            with db.session_scope() as session:
                event = handle(session, raw)
                kind, recognised = event.kind, is_recognised(event)
            _move(imap, uid, PROCESSED if recognised else REVIEW, can_move)
            counts[kind] += 1
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            imap.logout()
    return counts
