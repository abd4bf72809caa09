"""`infolettre send --yes` handed to a worker already running, through its Unix socket.

A command starts cold: Python, SQLAlchemy, pydantic and the models take most of a second
here before it can write a campaign, while a running worker (`infolettre worker`) has all
of them loaded. So the command first offers the send to the worker listening on the
socket in INFOLETTRE_HOME (workers.launch_server), which runs the same checks and the same
creation (mailer.launch), says the same words and queues the start: the first message
leaves within half a second with Redis (about two seconds on the embedded broker, which is
polled). The command does it itself, as before, whenever no worker takes it: none
listening, a worker with other settings (its INFOLETTRE_* environment or its folder
differ), an issue not rendered yet (`validate` keeps it rendered).

Light on purpose: only the standard library, so that the handing over costs nothing.
The protocol is JSON lines: the command's request; the worker's `declined` (nothing done:
the command does it) or `accepted`; the command's `go` (from then on it waits for the
worker, and never makes the send itself: a worker that took a request the command had
given up on would make it a second time); the worker's `say` lines; its `commit?` just
before it commits the campaign, and the command's `commit` (a command interrupted, or
gone, or a worker that lost it, writes nothing: the command knows what it leaves); one
`end`.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

VERSION = 1
SOCKET_NAME = "worker.sock"
FIRST = 5  # seconds for the worker's first line: taken or declined (then the command sends)
WAIT = 60  # seconds for each of the worker's lines once it took the send
SETTLE = 3  # seconds for the worker's end once the command is interrupted
MAX_LINE = 1 << 20


class NotFinished(Exception):
    """The worker took the send and then failed, went silent or away. `uncertain`: it may
    have been committing the campaign (else the database says what it left:
    mailer.send_interrupted.left_by)."""

    def __init__(self, why: str, uncertain: bool = False) -> None:
        super().__init__(why)
        self.uncertain = uncertain


def socket_path(home: str | Path | None = None) -> Path:
    """Where the worker of this home listens: INFOLETTRE_HOME as pydantic-settings reads it
    (any case), `.infolettre` by default, as mailer.settings."""
    if home is None:
        named = {key.upper(): value for key, value in os.environ.items()}
        home = named.get("INFOLETTRE_HOME") or ".infolettre"
    return Path(home) / SOCKET_NAME


def fingerprint() -> str:
    """The settings as this process would read them, without reading them (pydantic costs a
    quarter of a second): every INFOLETTRE_* variable and the folder relative paths are
    read from. Equal in the command and in the worker: the same settings."""
    pairs = sorted((key, value) for key, value in os.environ.items()
                   if key.upper().startswith("INFOLETTRE_"))
    return hashlib.sha256(json.dumps([os.getcwd(), pairs]).encode()).hexdigest()


class Lines:
    """The JSON objects a socket gives, one a line."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buffer = sock, b""

    def next(self, seconds: float) -> dict | None:
        """The next object, None at the socket's end. Raises TimeoutError when no whole line
        came within `seconds` (in all, however slowly its bytes come), ValueError for a
        line too long or not a JSON object, OSError as the socket does."""
        deadline = time.monotonic() + seconds
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise ValueError("a line too long")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no whole line in time")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        item = json.loads(line)
        if not isinstance(item, dict):
            raise ValueError("not a JSON object")
        return item


def send_line(sock: socket.socket, item: dict) -> None:
    sock.sendall(json.dumps(item).encode() + b"\n")


def hand_over(request: dict, say: Callable[..., None],
              committing: Callable[[], None]) -> dict | None:
    """Offer `request` (mailer.cli_send's options) to the worker of this home; say its
    words (`say(text, err)`) as they come and return its `end` ({"campaign": id or None,
    "error": a UserError's words or None}); `committing()` just before the command lets the
    worker commit the campaign. None when no worker took it: nothing was done, the command
    does it. Raises NotFinished; KeyboardInterrupt once what the worker did is known."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    answers = Lines(sock)
    try:
        try:
            sock.settimeout(FIRST)
            sock.connect(str(socket_path()))
            send_line(sock, {"v": VERSION, "fingerprint": fingerprint(), **request})
            first = answers.next(FIRST) or {}
        except (OSError, ValueError):  # nobody listening (or a path too long): cold
            return None
        if not first.get("accepted"):
            return None  # declined, or a worker of another version
        return _followed(sock, answers, say, committing)
    finally:
        sock.close()


def _followed(sock: socket.socket, answers: Lines, say: Callable[..., None],
              committing: Callable[[], None]) -> dict:
    """The worker's lines after its `accepted`, to its `end`."""
    committed = False
    try:
        send_line(sock, {"go": True})
        while (item := answers.next(WAIT)) is not None:
            if "say" in item:
                say(str(item["say"]), err=bool(item.get("err")))
            elif item.get("commit?") and not committed:
                committing()
                send_line(sock, {"commit": True})
                committed = True
            elif "end" in item:
                if item["end"].get("failed"):
                    raise NotFinished(str(item["end"]["failed"]))
                return item["end"]
    except (OSError, ValueError) as error:  # a worker that went away ended what it did;
        # one that is silent (stopped, swapping) may still commit the campaign
        raise NotFinished(f"{type(error).__name__}: {error}",
                          committed and isinstance(error, TimeoutError)) from error
    except KeyboardInterrupt:
        if committed and not _settled(sock, answers):
            raise NotFinished("interrupted before the worker said what it made of the send",
                              uncertain=True) from None
        raise
    raise NotFinished("it ended the connection")


def _settled(sock: socket.socket, answers: Lines) -> bool:
    """Interrupted once the worker may be committing the campaign: whether its `end` came
    within SETTLE seconds (then the database says what it left)."""
    try:
        deadline = time.monotonic() + SETTLE
        while (item := answers.next(max(deadline - time.monotonic(), 0.01))) is not None:
            if "end" in item:
                return True
    except (OSError, ValueError, KeyboardInterrupt):
        pass
    return False
