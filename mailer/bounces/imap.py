"""The bounce mailbox over IMAP: every message read, handled once, then moved away.

A message is moved to "processed" (or "needs-review" when nothing in it could be
recognised) only after its effects are committed; nothing is ever deleted unread. A poller
killed between the commit and the move finds the message again next time, sees its key is
known and only moves it.
"""

from __future__ import annotations

import contextlib
import imaplib
from collections import Counter

from mailer import db
from mailer.bounces.process import handle, is_recognised
from mailer.server_url import ServerUrl

PROCESSED, REVIEW = "processed", "needs-review"


def connect(url: str) -> tuple[imaplib.IMAP4, str]:
    """A logged-in connection to the bounce mailbox, and the folder to read."""
    server = ServerUrl.parse(url, "INFOLETTRE_BOUNCE_IMAP_URL", "imap", (143, 993))
    if server.tls:
        imap = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=server.tls_context(),
                                 timeout=30)
    else:
        imap = imaplib.IMAP4(server.host, server.port, timeout=30)
    imap.login(server.username or "", server.password or "")
    return imap, server.path or "INBOX"


def _move(imap: imaplib.IMAP4, uid: bytes, folder: str, can_move: bool) -> None:
    if can_move:
        imap.uid("MOVE", uid, folder)
    else:
        imap.uid("COPY", uid, folder)
        imap.uid("STORE", uid, "+FLAGS", r"(\Deleted)")
        imap.expunge()


def poll(url: str, limit: int | None = None) -> Counter:
    """Read the mailbox once; returns how many messages of each kind were handled."""
    imap, inbox = connect(url)
    counts: Counter = Counter()
    try:
        for target in (PROCESSED, REVIEW):
            imap.create(target)  # "already exists" is fine
        imap.select(inbox)
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
