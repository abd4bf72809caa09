"""gunicorn's sync worker, with our page for the one request it refuses before the app can:
a request line longer than `limit_request_line` (at most 8,190 bytes), which gunicorn
answers with a bare English 414 page of its own.

The page is in the reader's language, by the request's Accept-Language: from the first
bytes gunicorn's parser read (each connection keeps its first FIRST bytes), else from the
rest of the head, read off the socket up to its blank line (at most HEAD_CAP bytes, WAIT
seconds between two reads). Reading it also spares the client a connection reset for the
bytes it is still sending.
"""

from __future__ import annotations

import re
import socket

from gunicorn.http.errors import LimitRequestLine
from gunicorn.workers.sync import SyncWorker

FIRST = 32 * 1024  # gunicorn's parser reads 8 KB at a time: two reads, then the refusal
HEAD_CAP = 2 * 1024 * 1024  # Chromium's longest URL; past it, the page without the header
WAIT = 0.5
_KEEP = 16 * 1024  # the end of what was read: the header lines, after the URL
_ACCEPT_LANGUAGE = re.compile(rb"\r\naccept-language:[ \t]*([^\r\n]{0,500})", re.IGNORECASE)


class _Kept:
    """A client socket that keeps the first FIRST bytes it received."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.first = b""

    def recv(self, size: int, *flags) -> bytes:
        data = self._sock.recv(size, *flags)
        if len(self.first) < FIRST:
            self.first += data[: FIRST - len(self.first)]
        return data

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


def rest_of_head(client) -> bytes:
    """The last _KEEP bytes of the request head still on `client`, up to its blank line."""
    kept, read = b"", 0
    before = client.gettimeout()
    client.settimeout(WAIT)
    try:
        while read < HEAD_CAP:
            chunk = client.recv(64 * 1024)
            if not chunk:
                break
            read += len(chunk)
            joined = kept + chunk
            end = joined.find(b"\r\n\r\n")
            kept = (joined if end < 0 else joined[: end + 2])[-_KEEP:]
            if end >= 0:
                break
    except OSError:  # the timeout: nothing more came
        pass
    finally:
        client.settimeout(before)
    return kept


def accept_language(client: _Kept) -> str:
    """The Accept-Language of the request on `client`, whose request line was refused."""
    head = client.first if b"\r\n\r\n" in client.first else client.first + rest_of_head(client)
    found = _ACCEPT_LANGUAGE.search(head)
    return found[1].decode("latin-1").strip() if found else ""


class Worker(SyncWorker):
    """`gunicorn --worker-class mailer.web_worker.Worker` (mailer.cli_web): the sync worker,
    whose refusal of a request line too long is web_errors.uri_too_long's page."""

    def handle(self, listener, client, addr) -> None:
        super().handle(listener, _Kept(client), addr)

    def handle_error(self, req, client, addr, exc) -> None:
        if not isinstance(exc, LimitRequestLine) or not isinstance(client, _Kept):
            super().handle_error(req, client, addr, exc)
            return
        from mailer.web_errors import uri_too_long

        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        response = uri_too_long(self.wsgi, accept_language(client))
        response.headers["Connection"] = "close"
        lines = [f"HTTP/1.1 {response.status}",
                 *(f"{name}: {value}" for name, value in response.headers.items())]
        try:
            client.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
                           + response.get_data())
        except OSError:
            self.log.debug("Failed to send error message.")
