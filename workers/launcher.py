"""Queue a campaign's start from a process made ready beside the command that creates it.

`infolettre send` spends a third of its time before the first message loading Celery,
kombu and the broker's client (redis-py loads its asyncio client with it), then
connecting, and all of that is needed only once the campaign is committed. A child
forked as the command starts does it on the machine's other core while the command
reads the issue and writes the campaign; the command then hands it the campaign's id
and waits for its word. The task is still queued only after the commit.

Where fork does not exist (Windows), or when the child ended without a word, the start
is queued from the command itself, as before.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import struct
from collections.abc import Callable

log = logging.getLogger(__name__)
_ID = struct.Struct("<q")  # the campaign's id, down the pipe
# The child's words: connected to the broker; the start queued; failed, and why.
READY, QUEUED, FAILED = b"=", b"+", b"-"
# Tries to reach the broker, 0.2 s apart, as Celery's own default for publishing.
RETRIES = 3
# Seconds the command waits for each of the child's words: a broker that takes the
# connection and never answers is given up on (workers.app's socket timeouts end the
# child's own tries sooner).
WAIT = 30


class BrokerUnavailable(Exception):
    """The start could not be queued: the broker refused or did not answer. The campaign
    stays `sending`: a worker's sweep starts it once the broker is back."""


def _queue(campaign_id: int) -> None:
    from workers.app import queue_start

    queue_start(campaign_id)


def _child(ids: int, words: int) -> None:
    """In the child: load, connect and say READY, then queue the id read from `ids` (none:
    the command gave up) and say QUEUED; or say FAILED and why, whenever it fails."""
    # A Ctrl-C at the terminal reaches the whole process group: the command says what it
    # left and ends this child (close); its own interrupt was said as the broker's failure.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)  # the command speaks, not this process
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        from workers.app import START_CAMPAIGN, app

        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=RETRIES, interval_start=0,
                                                  interval_step=0.2, interval_max=0.2)
            os.write(words, READY)
            given = os.read(ids, _ID.size)
            if len(given) != _ID.size:
                return  # the command gave up: nothing to queue, nobody listening
            app.send_task(START_CAMPAIGN, _ID.unpack(given), producer=producer)
        said = QUEUED
    except BaseException as error:  # noqa: BLE001 - said to the command, which decides
        said = FAILED + f"{type(error).__name__}: {error}".encode()[:4000]
    os.write(words, said)


class Launcher:
    """`ready()` before the campaign is created, `start(campaign_id)` once it is committed;
    `close()` in every case (a context manager)."""

    def __init__(self, ahead: bool = True, queue: Callable[[int], None] = _queue) -> None:
        """`ahead`: fork the child (False: nothing will be queued, or from here only)."""
        self.queue, self.pid = queue, 0
        if not (ahead and hasattr(os, "fork")):
            return
        ids_in, self.ids = os.pipe()
        self.words, words_out = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns into the command's code
            try:
                os.close(self.ids)
                os.close(self.words)
                _child(ids_in, words_out)
            finally:
                os._exit(0)
        os.close(ids_in)
        os.close(words_out)

    def _word(self) -> bytes:
        """The child's next word: READY or QUEUED, FAILED and why, or b"" (it ended without
        one). Raises BrokerUnavailable after WAIT seconds of silence."""
        if not select.select([self.words], [], [], WAIT)[0]:
            self.close()
            raise BrokerUnavailable(f"no answer within {WAIT} s")
        word = os.read(self.words, 1)
        if word == FAILED:
            word += b"".join(iter(lambda: os.read(self.words, 4096), b""))
        return word

    def ready(self) -> str | None:
        """Why the broker cannot take the start (a URL no transport reads, a broker that
        refuses or stays silent), waiting for the child to know; None when it can, or when
        there is no child (the start is then tried from here). Asked before the campaign
        is created, so that such a send creates nothing."""
        if not self.pid:
            return None
        try:
            word = self._word()
        except BrokerUnavailable as error:
            return str(error)
        if word.startswith(FAILED):
            self.close()
            return word[1:].decode(errors="replace")
        if word != READY:
            self.close()  # ended without a word: `start` queues from here
        return None

    def start(self, campaign_id: int) -> None:
        """Queue the campaign's start. Raises BrokerUnavailable saying why it was not."""
        word = b""
        if self.pid:
            with contextlib.suppress(OSError):  # the child ended already: its word says why
                os.write(self.ids, _ID.pack(campaign_id))
            word = self._word()
            if word == READY:  # `ready` was not asked
                word = self._word()
            self.close()
        if word.startswith(FAILED):
            raise BrokerUnavailable(word[1:].decode(errors="replace"))
        if word != QUEUED:  # no child, or one that ended without a word: queued from here
            try:  # (twice at worst: a start delivered twice sends nobody twice)
                self.queue(campaign_id)
            except Exception as error:  # noqa: BLE001 - kombu's, redis-py's, the socket's
                raise BrokerUnavailable(f"{type(error).__name__}: {error}") from error

    def close(self) -> None:
        """End the child and reap it: after `start`, it has ended already; before, nothing
        is to be queued (a refusal, an error), and it is stopped where it is."""
        if self.pid:
            os.close(self.ids)
            os.close(self.words)
            if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
            self.pid = 0

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def queued(campaign_id: int) -> bool:
    """Queue the campaign's start from this process (the web console, which has Celery
    loaded); False when the broker did not take it: the campaign waits for a worker's
    sweep, and the page that launched it says so."""
    try:
        Launcher(ahead=False).start(campaign_id)
    except BrokerUnavailable as error:
        log.warning("campaign %s not queued: %s", campaign_id, error)
        return False
    return True
