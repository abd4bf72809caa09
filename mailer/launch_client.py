"""`infolettre send --yes` handed to a worker already running, through its Unix socket.

A command starts cold: Python, SQLAlchemy, pydantic and the models take most of a second
here before it can write a campaign, while a running worker (`infolettre worker`) has all
of them loaded. So the command first offers the send to the worker listening on the
socket in INFOLETTRE_HOME (workers.launch_server), which runs the same checks and the same
creation (mailer.launch), says the same words and queues the start: the first message
leaves within half a second. The command does it itself, as before, whenever no worker
takes it: none listening, a worker with other settings (its INFOLETTRE_* environment or
its folder differ), an issue not rendered yet (`validate` keeps it rendered).

Light on purpose: only the standard library, so that the handing over costs nothing.
The protocol is JSON lines: the command's request; the worker's `declined` (nothing done:
the command does it) or `accepted`; the command's `go` (from then on it waits for the
worker, and never makes the send itself: a worker that took a request the command had
given up on would make it a second time); the worker's `say` lines and one `end`.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

VERSION = 1
SOCKET_NAME = "worker.sock"
FIRST = 5  # seconds for the worker's first line: taken or declined (then the command sends)
WAIT = 60  # seconds for each of the worker's lines once it took the send
SETTLE = 3  # seconds for the worker's end once the command is interrupted
MAX_LINE = 1 << 20


class NotFinished(Exception):
    """The worker took the send and then failed, went silent or away: whether the campaign
    exists is to be read from the database (mailer.send_interrupted.left_by)."""


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


def lines(sock: socket.socket) -> Iterator[dict]:
    """The JSON lines read from `sock`; ends at its end. Raises ValueError on a line that
    is not JSON or too long, OSError (TimeoutError among them) as the socket does."""
    reader = sock.makefile("rb")
    while line := reader.readline(MAX_LINE + 1):
        if len(line) > MAX_LINE or not line.endswith(b"\n"):
            raise ValueError("a line too long or cut")
        yield json.loads(line)


def send_line(sock: socket.socket, item: dict) -> None:
    sock.sendall(json.dumps(item).encode() + b"\n")


def hand_over(request: dict, say: Callable[..., None],
              accepted: Callable[[], None]) -> dict | None:
    """Offer `request` (mailer.cli_send's options) to the worker of this home; say its
    words (`say(text, err)`) as they come and return its `end` ({"campaign": id or None,
    "error": a UserError's words or None}); `accepted()` once the worker took it. None when
    no worker took it: nothing was done, the command does it. Raises NotFinished."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(FIRST)
        try:
            sock.connect(str(socket_path()))
            send_line(sock, {"v": VERSION, "fingerprint": fingerprint(), **request})
            answers = lines(sock)
            first = next(answers, {})
        except (OSError, ValueError):  # nobody listening (or a path too long): cold
            return None
        if not first.get("accepted"):
            return None  # declined, or a worker of another version
        accepted()
        sock.settimeout(WAIT)
        try:
            send_line(sock, {"go": True})
            for item in answers:
                if "say" in item:
                    say(str(item["say"]), err=bool(item.get("err")))
                elif "end" in item:
                    if item["end"].get("failed"):
                        raise NotFinished(str(item["end"]["failed"]))
                    return item["end"]
        except (OSError, ValueError) as error:
            raise NotFinished(f"{type(error).__name__}: {error}") from error
        except KeyboardInterrupt:
            _settled(sock, answers)
            raise
        raise NotFinished("it ended the connection")
    finally:
        sock.close()


def _settled(sock: socket.socket, answers: Iterator[dict]) -> None:
    """Interrupted while the worker makes the send: tell it (it writes no campaign if it has
    not begun to), and wait for its end, so that what the database then holds is what it
    left (mailer.send_interrupted.left_by reads it). SETTLE seconds at most."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(SETTLE)
        for item in answers:
            if "end" in item:
                return
    except (OSError, ValueError, KeyboardInterrupt):
        return
