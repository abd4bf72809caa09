"""Where a sending worker's Python time goes, by stage: samples of the thread holding the
GIL (py-spy record --gil), taken while a benchmark sends, sorted into the send path's stages.

    bench/send.py --profile   (needs py-spy: `.venv/bin/pip install py-spy`)

Only the thread holding the GIL is sampled, so the work that lets go of it (SHA-256 in
`hashlib`, socket waits) is counted only for its Python part (an RSA signature holds it, and
is counted whole): the shares say where the worker's single interpreter spends its time,
which is what limits one process; bench/send.py's CPU table gives the whole process's CPU.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

STAGES = ("plan", "build", "sign", "database", "smtp", "other")

# A sample belongs to the deepest frame that names a stage (planning: any frame of it).
# These are the send path's function and file names: one renamed there moves its
# samples to "other" until it is renamed here too.
# py-spy writes a frame as "function (path/file.py:line)".
_PLAN = re.compile(r"^(plan|plan_page) \(.*(campaigns|audience)\.py")
_MARKERS = (
    ("sign", re.compile(r"^DkimSigner\.|^sign \(.*compose\.py")),
    ("build", re.compile(r"^(recipient|prepared|personal|build) \(.*compose\.py"
                         r"|^(PreparedEdition|EncodedTemplate)\.|verp\.py")),
    ("database", re.compile(r"[(/]sqlalchemy/|[(/]psycopg/|^Ledger\.|^_skip_unsubscribed \(")),
    ("smtp", re.compile(r"^Lane\.|smtplib\.py|[(/]socket\.py|^SmtpSender\._|^wire \(")),
)


def py_spy() -> str | None:
    found = Path(sys.executable).with_name("py-spy")
    return str(found) if found.exists() else shutil.which("py-spy")


def start(pid: int, out: Path) -> subprocess.Popen:
    """py-spy sampling `pid` at 250 Hz until `stop`."""
    return subprocess.Popen([py_spy(), "record", "--pid", str(pid), "--gil", "--rate", "250",
                             "--format", "raw", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(recorder: subprocess.Popen) -> None:
    recorder.send_signal(signal.SIGINT)  # py-spy writes its samples on SIGINT
    recorder.wait(timeout=60)


def stage(frames: list[str]) -> str:
    if any(_PLAN.search(frame) for frame in frames):
        return "plan"
    for frame in reversed(frames):  # from the innermost
        for name, marker in _MARKERS:
            if marker.search(frame):
                return name
    return "other"


def shares(raw: Path) -> dict[str, float]:
    """The share of samples (0 to 1) of each stage in py-spy's raw output (a collapsed
    stack per line, its sample count last)."""
    counts: Counter[str] = Counter()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counts[stage(stack.split(";"))] += int(count)
    total = sum(counts.values()) or 1
    return {name: counts[name] / total for name in STAGES}
