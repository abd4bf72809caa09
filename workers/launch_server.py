"""A running worker takes `infolettre send --yes` from the command (mailer.launch_client).

The worker has what a send's checks and its campaign's creation need loaded already; run
here, they take a tenth of a second instead of a second of imports in the command. One
worker per home listens (the one holding `worker.sock.lock`), on a Unix socket only its own
user may use (its mode, and the peer's uid checked). It declines, and the command makes the
send itself, whenever it could not say the same as the command would: other settings (see
launch_client.fingerprint), an issue not rendered already (rendering is not loaded here,
and would stay in the worker's memory).

Only in a worker that sends from its own process (threads or solo pool): a prefork
parent's database connections would be shared by the children it forks later.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import struct
import threading

from celery.signals import worker_init, worker_ready, worker_shutdown

from mailer import launch
from mailer.errors import UserError
from mailer.launch_client import VERSION, Lines, fingerprint, send_line, socket_path
from mailer.settings import get_settings
from workers.app import queue_start, sends_from_here

log = logging.getLogger(__name__)
READ_TIMEOUT = 5  # seconds for each of the command's lines, in all (however slow its bytes)
CONCURRENT = 4  # commands answered at once
_PEER = struct.Struct("3i")  # SO_PEERCRED: pid, uid, gid


def _peer_uid(conn: socket.socket) -> int:
    return _PEER.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEER.size))[1]


def _create(request: dict, say, confirmed) -> dict:
    """The send of `request`, as mailer.cli_send makes it: its `end` for the command.
    `confirmed()`, asked just before the campaign is committed: why not to commit it."""
    file, typed_at, test_to = (request.get(name) for name in ("file", "at", "test_to"))
    try:
        recipients, at = launch.options(*(None if value is None else str(value)
                                          for value in (test_to, typed_at)))
        campaign_id = launch.create(str(file), True, recipients, at,
                                    bool(request.get("same_issue")),
                                    editions=request["editions"], say=say,
                                    before_commit=confirmed)
        if campaign_id is not None:
            log.info("campaign %s made for `infolettre send %s`", campaign_id, file)
        if campaign_id is not None and at is None:
            try:
                queue_start(campaign_id)
            except Exception as error:  # noqa: BLE001 - kombu's, redis-py's, the socket's
                raise UserError(launch.unqueued(campaign_id, "created",
                                                f"{type(error).__name__}: {error}")) from None
    except UserError as error:
        return {"campaign": None, "error": error.format_message()}
    return {"campaign": campaign_id, "error": None}


def _decline(conn: socket.socket, why: str) -> None:
    log.info("`infolettre send` left to the command: %s", why)
    send_line(conn, {"declined": why})


def _answer(conn: socket.socket) -> None:
    """One command's request, answered on `conn`. Raises OSError, ValueError (TimeoutError
    among them) when the command goes away or writes what is not the protocol."""
    from mailer import rendered

    if _peer_uid(conn) != os.getuid():
        return  # another user: not ours to launch sends for
    said = Lines(conn)
    request = said.next(READ_TIMEOUT) or {}
    if request.get("v") != VERSION or request.get("fingerprint") != fingerprint():
        return _decline(conn, "other settings or another folder than this worker's")
    editions = rendered.kept(str(request.get("file", "")))
    if editions is None:
        return _decline(conn, "the issue is not rendered yet")
    send_line(conn, {"accepted": True})
    if (said.next(READ_TIMEOUT) or {}).get("go") is not True:
        return  # the command gave up waiting (and makes the send itself)

    def say(text: str, err: bool = False) -> None:  # a command gone: its commit? says so
        with contextlib.suppress(OSError):
            send_line(conn, {"say": text, "err": err})

    def confirmed() -> str | None:
        """The command's word before the commit: a command interrupted or gone (or one that
        cannot be heard) gets no campaign, so that what it says it left is true."""
        try:
            send_line(conn, {"commit?": True})
            if (said.next(READ_TIMEOUT) or {}).get("commit") is True:
                return None
        except (OSError, ValueError):
            pass
        return "the command went away"

    try:
        end = _create({**request, "editions": editions}, say, confirmed)
    except Exception as error:  # a bug, a database away: rolled back; the command says so
        log.exception("a send handed over by the command failed")
        end = {"failed": f"{type(error).__name__}: {error}"}
    send_line(conn, {"end": end})


def _one(conn: socket.socket, slots: threading.BoundedSemaphore) -> None:
    with conn:
        try:
            _answer(conn)
        except (OSError, ValueError) as error:  # the command went away, or wrote garbage
            log.info("a send handed over by the command: %r", error)
        except Exception:  # whatever it is, the next command is still answered
            log.exception("a send handed over by the command")
        finally:
            slots.release()


def _serve(listener: socket.socket) -> None:
    """Each command in a thread of its own (a slow one holds no other), CONCURRENT at
    most: beyond, a command is declined at once and makes its send itself."""
    slots = threading.BoundedSemaphore(CONCURRENT)
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:  # closed: the worker stops
            return
        if not slots.acquire(blocking=False):
            with conn, contextlib.suppress(OSError):
                send_line(conn, {"declined": "busy"})
            continue
        threading.Thread(target=_one, args=(conn, slots), name="launch", daemon=True).start()


class LaunchServer:
    """The listening socket of this home's worker; `close()` when the worker stops."""

    def __init__(self, home) -> None:
        self.path = socket_path(home)
        self.lock = open(f"{self.path}.lock", "a")  # noqa: SIM115 - held while serving
        fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError: another does
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a killed worker's socket
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(self.path))
        os.chmod(self.path, 0o600)
        self.listener.listen(8)
        threading.Thread(target=_serve, args=(self.listener,), name="launch-server",
                         daemon=True).start()

    def close(self) -> None:
        self.listener.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.lock.close()


_server: list[LaunchServer | OSError] = []  # this worker's, or why it has none


@worker_init.connect
def _start(sender=None, **_) -> None:
    """As the worker starts, when it sends from its own process: listen, unless another
    worker of the same home does, or the socket cannot be made there (a path too long for
    AF_UNIX, a read-only folder): the commands then make their sends themselves."""
    if not sends_from_here(sender):
        return
    try:
        _server.append(LaunchServer(get_settings().home))
    except OSError as error:
        _server.append(error)


@worker_ready.connect
def _said_how_it_listens(**_) -> None:  # once the log is set up (not at worker_init)
    for server in _server:
        if isinstance(server, BlockingIOError):  # the lock: another worker holds it
            log.info("`infolettre send` is taken by another worker of this home")
        elif isinstance(server, OSError):
            log.info("`infolettre send` is not taken by this worker: %r", server)
        else:
            log.info("takes `infolettre send --yes` on %s", server.path)


@worker_shutdown.connect
def _stop(**_) -> None:
    while _server:
        server = _server.pop()
        if isinstance(server, LaunchServer):
            server.close()
