"""Files read by name (an issue, a list to import) are regular files: a named pipe opened
for reading waits for a writer, a terminal for a line, and /dev/zero never ends, so that
`infolettre validate /tmp/fifo` hung with nothing said. Anything else is refused, by its
kind, before a byte is read."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# What a path names when not a regular file, as the refusal says it (POSIX file types).
KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
         (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
# Opened without waiting (a named pipe without a writer, a terminal) and never as this
# process's controlling terminal; flags a system lacks count as none.
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


class NotRegular(OSError):
    """`path` names something other than a regular file; `strerror` says what, and the fix."""

    def __init__(self, path: str | Path, kind: str) -> None:
        super().__init__(errno.EINVAL, f"{kind}, not a file: give the path of the file itself",
                         str(path))
        self.kind = kind


def kind_of(mode: int) -> str | None:
    """What a file of this `st_mode` is when not a regular file ("a named pipe"…); None
    for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in KINDS if test(mode)), "not a regular file")


def read_head(path: str | Path, limit: int) -> bytes:
    """At most `limit` bytes from the start of the regular file `path` (links followed).
    Raises NotRegular for anything else, found by its status before it is opened and
    again on what was opened (it may have been replaced meanwhile); any other OSError as
    opening or reading raises it (FileNotFoundError, PermissionError…)."""
    kind = kind_of(os.stat(path).st_mode)
    if kind is None:
        descriptor = os.open(path, _FLAGS)
        try:
            kind = kind_of(os.fstat(descriptor).st_mode)
            if kind is None:
                with open(descriptor, "rb", closefd=False) as stream:
                    return stream.read(limit)
        finally:
            os.close(descriptor)
    raise NotRegular(path, kind)
