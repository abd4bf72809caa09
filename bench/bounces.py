"""Bounces: accuracy on the sample corpus, and messages per second read from a real IMAP
mailbox (Dovecot on 127.0.0.1), classified, recorded and moved.

    .venv/bin/python bench/bounces.py [--messages 1000] [--corpus DIR] [--flufl CHECKOUT]

--flufl measures on real-world bounces nobody wrote for us: the samples of a checkout of
flufl.bounce (Mailman's bounce detectors), against the recipients its own tests expect.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailer.bounces.classify import NOT_BOUNCE, analyse  # noqa: E402
from tests.support.servers import DovecotServer  # noqa: E402


def accuracy(corpus: Path) -> None:
    manifest = yaml.safe_load((corpus / "manifest.yaml").read_text())
    cases = manifest["messages"] if isinstance(manifest, dict) else manifest
    found = right = false_bounces = replies = bounces = 0
    for case in cases:
        finding = analyse((corpus / case["file"]).read_bytes(), "bench")
        right += finding.kind == case["class"] or (
            case["class"] == NOT_BOUNCE and finding.kind == "unknown")  # review, not a bounce
        if case["class"] == NOT_BOUNCE:
            replies += 1
            false_bounces += finding.kind in ("hard", "soft", "delay", "complaint")
        else:
            bounces += 1
            found += (finding.recipient or "").lower() == (case["recipient"] or "").lower()
    print(f"corpus {corpus.name}: {len(cases)} messages")
    print(f"  recipient found: {found}/{bounces} ({100 * found / bounces:.1f}%)")
    print(f"  class right:     {right}/{len(cases)} ({100 * right / len(cases):.1f}%)")
    print(f"  false bounces on auto-replies: {false_bounces}/{replies}")


def real_world(checkout: Path) -> None:
    """flufl.bounce's samples: is the expected recipient found, and is a permanent failure
    counted as a bounce (hard or soft), a temporary one as soft or a delay?"""
    table = checkout / "flufl" / "bounce" / "_detectors" / "tests" / "detectors.py"
    samples = checkout / "flufl" / "bounce" / "tests" / "data"
    tree = ast.parse(table.read_text(encoding="utf-8"))
    rows = next(ast.literal_eval(node.value) for node in tree.body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DATA")
    expected: dict[str, tuple[set[str], bool]] = {}
    for row in rows:
        name, addresses, temporary = row[1], row[2], (row[3] if len(row) > 3 else False)
        if addresses:
            expected.setdefault(name, ({a.decode().lower() for a in addresses}, temporary))
    found = counted = 0
    for name, (addresses, temporary) in sorted(expected.items()):
        finding = analyse((samples / name).read_bytes(), "bench")
        found += (finding.recipient or "").lower() in addresses
        counted += finding.kind in (("soft", "delay") if temporary else ("hard", "soft"))
    total = len(expected)
    print(f"flufl.bounce samples: {total} bounces")
    print(f"  recipient found: {found}/{total} ({100 * found / total:.1f}%)")
    print(f"  counted as the right kind of bounce: {counted}/{total} "
          f"({100 * counted / total:.1f}%)")


def throughput(corpus: Path, count: int) -> None:
    samples = [path.read_bytes() for path in sorted(corpus.glob("*.eml"))]
    server = DovecotServer()
    server.start()
    home = Path(tempfile.mkdtemp(prefix="bench-bounces-"))
    os.environ.update(INFOLETTRE_HOME=str(home), INFOLETTRE_SECRET_KEY="bench",
                      INFOLETTRE_DATABASE_URL=f"sqlite:///{home / 'bounces.db'}")
    from mailer import db
    from mailer.bounces.imap import poll

    try:
        db.upgrade()
        imap = server.client()
        for number in range(count):
            raw = samples[number % len(samples)]
            imap.append("INBOX", None, None,
                        raw.replace(b"Message-ID: <", f"Message-ID: <{number}-".encode(), 1))
        imap.logout()
        start = time.perf_counter()
        counts = poll(server.url)
        elapsed = time.perf_counter() - start
        print(f"IMAP: {sum(counts.values())} messages in {elapsed:.1f} s: "
              f"{sum(counts.values()) / elapsed:.0f} messages/s (SQLite, one poller)")
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests" / "data" / "bounces")
    parser.add_argument("--flufl", type=Path, help="a checkout of flufl.bounce")
    args = parser.parse_args()
    accuracy(args.corpus)
    if (args.corpus / "set2").is_dir():
        accuracy(args.corpus / "set2")
    if args.flufl:
        real_world(args.flufl)
    throughput(args.corpus, args.messages)


if __name__ == "__main__":
    main()
