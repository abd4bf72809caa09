"""DKIM's RSA signatures made in a process of their own, one per sending process.

`cryptography` (its Rust bindings, since version 42) holds the GIL for the whole of an
RSA-2048 signature, about 0.9 ms here: in a worker sending two batches in threads, every
other Python step of both batches waited for each signature, and one core did all of it
while the other idled. Here the worker writes the data to sign (RFC 6376 3.7: the
canonicalized headers, a kilobyte or two) to a child that holds the key, and waits for the
answer in a read, without the GIL: the worker's other batch builds and sends meanwhile,
and the signature is made on the other core. It costs the worker a write and a read.

The child is `python -m mailer.signing KEY_FILE`, reading requests on its standard input
and answering on its standard output, both framed by a 4-byte big-endian length; an answer
of length 0 says it could not sign. It ends when its input closes, so it never outlives
the worker, however the worker ends.

Any trouble with the child (it cannot start, it dies, it does not answer within TIMEOUT
seconds) is logged and the signature is made in the worker itself, as before: slower,
never a message lost or failed because of it.
"""

from __future__ import annotations

import logging
import os
import select
import struct
import subprocess
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds: a signature takes about a millisecond; a child this late is stuck
STARTS = 3  # children started by one process, at most, before it signs by itself for good
_LENGTH = struct.Struct(">I")
READ = 64 * 1024  # bytes asked of a pipe at once: a request or an answer is a few KB


class SigningProcess:
    """A child process making RSA PKCS#1 v1.5 SHA-256 signatures (RFC 8017 8.2) with the key
    in `key_file`, started on first use in each process (a fork starts its own), shared by
    its threads one request at a time."""

    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._pid = 0  # the process that started the child: a forked copy must not use it
        self._starts = 0

    def sign(self, data: bytes) -> bytes | None:
        """The signature of `data` (bytes), or None when the child cannot make it: the
        caller then signs by itself. Never raises for the child's trouble."""
        with self._lock:
            try:
                child = self._running()
                if child is None:
                    return None
                _send(child.stdin.fileno(), data)
                signature = _receive(child.stdout.fileno())
            except (OSError, EOFError, TimeoutError, ValueError) as error:
                log.warning("DKIM signing process failed (%r); signing in the worker", error)
                self._stop()
                return None
            return signature or None

    def start(self) -> None:
        """Start the child now rather than at the first signature (a worker as it starts,
        so that the first message does not wait for it)."""
        with self._lock:
            self._running()

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _running(self) -> subprocess.Popen | None:
        if self._child is not None and self._pid == os.getpid():
            return self._child
        self._child = None  # a fork's inherited child belongs to the parent: left alone
        if self._starts >= STARTS:
            return None
        self._starts += 1
        self._child = subprocess.Popen(
            [sys.executable, "-m", "mailer.signing", str(self.key_file)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, close_fds=True)
        self._pid = os.getpid()
        return self._child

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is None or self._pid != os.getpid():
            return
        child.stdin.close()  # it ends at the end of its input
        try:
            child.wait(timeout=1)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        child.stdout.close()


def _send(fd: int, data: bytes) -> None:
    payload = _LENGTH.pack(len(data)) + data
    while payload:
        payload = payload[os.write(fd, payload):]


def _receive(fd: int, timeout: float | None = TIMEOUT) -> bytes:
    """One framed message from `fd`, in one read when it is all there (an answer is written
    in one write, which a pipe keeps whole up to 4 KB). Raises EOFError at the end of the
    stream, TimeoutError when nothing comes for `timeout` seconds (None: no limit)."""
    data = _read(fd, READ, timeout)
    while len(data) < _LENGTH.size:
        data += _read(fd, READ, timeout)
    (length,) = _LENGTH.unpack_from(data)
    end = _LENGTH.size + length
    while len(data) < end:
        data += _read(fd, end - len(data), timeout)
    if len(data) > end:
        raise ValueError("more than one message came at once")  # never, one at a time
    return data[_LENGTH.size:]


def _read(fd: int, size: int, timeout: float | None) -> bytes:
    if timeout is not None and not select.select([fd], [], [], timeout)[0]:
        raise TimeoutError(f"no answer in {timeout} s")
    chunk = os.read(fd, size)
    if not chunk:
        raise EOFError("the stream ended")
    return chunk


def main(key_file: str) -> None:
    """The child: sign what comes on standard input until it ends."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_private_key(Path(key_file).read_bytes(), password=None)
    pad, digest = padding.PKCS1v15(), hashes.SHA256()
    source, sink = sys.stdin.fileno(), sys.stdout.fileno()
    while True:
        try:
            data = _receive(source, timeout=None)
        except EOFError:
            return
        try:
            signature = key.sign(data, pad, digest)
        except Exception:  # noqa: BLE001 - said by an empty answer: the worker signs itself
            signature = b""
        _send(sink, signature)


if __name__ == "__main__":
    main(sys.argv[1])
