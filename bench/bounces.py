"""Bounces: the classifier's accuracy and speed on every corpus the repository holds, on
real-world reports nobody wrote for us, and messages per second read from a real IMAP
mailbox (Dovecot on 127.0.0.1), classified, recorded and moved.

    .venv/bin/python bench/bounces.py [--messages 1000] [--flufl CHECKOUT] [--sisimai CHECKOUT]

Per corpus: recipient found, class (hard, soft, delay) right, reason and whose fault right
(where the manifest says them), complaints recognised with their recipient, false bounces
on auto-replies, challenges and success notices, crashes, and messages per second beside
flufl.bounce's detectors on the same messages (the reference, same process).

--flufl: a checkout of flufl.bounce (Mailman's detectors): its samples, against the
recipients its own tests expect. --sisimai: a checkout of sisimai (rb-sisimai or
p5-sisimai with its set-of-emails): hundreds of real reports of dozens of MTAs, against
the reason and hard/soft its own tests expect (sisimai calls a "user unknown" refused
after DATA "filtered", and a disabled account soft: both count as disagreements here).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailer import verp  # noqa: E402
from mailer.bounces.classify import BOUNCES, COMPLAINT, NOT_BOUNCE, analyse_all  # noqa: E402
from tests.support.servers import DovecotServer  # noqa: E402

SECRET = "bench"  # noqa: S105 - the VERP key of the samples, not a credential
CORPORA = ("", "set2", "field", "kinds")


def _analyse(raw: bytes, counts: Counter):
    findings = analyse_all(raw, SECRET)
    counts["crashes"] += findings[0].reason.startswith("unreadable")
    return findings


def _speed(raws: list[bytes]) -> tuple[float, float]:
    """Messages per second: ours, and flufl.bounce's scan_message on the same messages."""
    from email import message_from_bytes, policy

    from flufl.bounce import scan_message

    def rate(work) -> float:
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < 1.0:
            for raw in raws:
                work(raw)
            done += len(raws)
        return done / (time.perf_counter() - start)

    def flufl(raw: bytes) -> None:
        with contextlib.suppress(Exception):  # its detectors raise on odd messages
            scan_message(message_from_bytes(raw, policy=policy.default))

    return rate(lambda raw: analyse_all(raw, SECRET)), rate(flufl)


def _pct(right: int, total: int) -> str:
    return f"{right}/{total} ({100 * right / total:.1f}%)" if total else "-"


def accuracy(folder: Path) -> None:
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text())
    cases = manifest["messages"] if isinstance(manifest, dict) else manifest
    c: Counter = Counter()
    raws = []
    for case in cases:
        raw = (folder / case["file"]).read_bytes().replace(
            b"VERP_ADDRESS", verp.encode(SECRET, "reseaucitesdesmetiers.example", 3, 7).encode())
        raws.append(raw)
        findings = _analyse(raw, c)
        expected = case.get("recipients") or [case]
        if case.get("class") in (NOT_BOUNCE, "unknown"):
            c["replies"] += 1
            c["false"] += findings[0].kind in (*BOUNCES, COMPLAINT)
            continue
        if case.get("class") == COMPLAINT:
            c["complaints"] += 1
            who = (findings[0].recipient or "").lower() == (case["recipient"] or "").lower()
            c["complaints_ok"] += findings[0].kind == COMPLAINT and (
                who or findings[0].subscriber_id is not None)
            continue
        mine = {(f.recipient or "").lower(): f for f in findings}
        for want in expected:
            c["recipients"] += 1
            got = mine.get((want["recipient"] or "").lower())
            if got is None:
                continue
            c["found"] += 1
            c["class"] += got.kind == want["class"]
            if "reason" in want:
                c["judged"] += 1
                c["reason"] += str(got.cause) == want["reason"]
                c["fault"] += str(got.fault) == want["fault"]
    ours, flufl = _speed(raws)
    print(f"corpus {folder.relative_to(ROOT)}: {len(cases)} messages")
    print(f"  recipient found:       {_pct(c['found'], c['recipients'])}")
    print(f"  class right:           {_pct(c['class'], c['found'])}")
    print(f"  reason right:          {_pct(c['reason'], c['judged'])}")
    print(f"  whose fault right:     {_pct(c['fault'], c['judged'])}")
    print(f"  complaints with their recipient: {_pct(c['complaints_ok'], c['complaints'])}")
    print(f"  false bounces on non-bounces:    {c['false']}/{c['replies']}")
    print(f"  crashes: {c['crashes']}")
    print(f"  {ours:.0f} messages/s (flufl.bounce's detectors: {flufl:.0f}/s, "
          f"ratio {ours / flufl:.2f})")


def real_world(checkout: Path) -> None:
    """flufl.bounce's samples: is the expected recipient found, and is a permanent failure
    counted as a bounce (hard or soft), a temporary one as soft or a delay?"""
    table = checkout / "flufl" / "bounce" / "_detectors" / "tests" / "detectors.py"
    if not table.exists():
        table = checkout / "src" / "flufl" / "bounce" / "tests" / "test_detectors.py"
    samples = next(checkout.rglob("tests/data"))
    tree = ast.parse(table.read_text(encoding="utf-8"))
    rows = next(ast.literal_eval(node.value) for node in tree.body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DATA")
    expected: dict[str, tuple[set[str], bool]] = {}
    for row in rows:
        name, addresses, temporary = row[1], row[2], (row[3] if len(row) > 3 else False)
        if addresses:
            expected.setdefault(name, ({a.decode().lower() for a in addresses}, temporary))
    c: Counter = Counter()
    for name, (addresses, temporary) in sorted(expected.items()):
        findings = _analyse((samples / name).read_bytes(), c)
        got = {(f.recipient or "").lower() for f in findings}
        c["found"] += bool(got & addresses)
        c["counted"] += findings[0].kind in (("soft", "delay") if temporary else BOUNCES)
    total = len(expected)
    print(f"flufl.bounce samples: {total} bounces, crashes {c['crashes']}")
    print(f"  recipient found: {_pct(c['found'], total)}")
    print(f"  counted as a bounce of the right kind: {_pct(c['counted'], total)}")


# sisimai's reasons in our vocabulary ("?": no counterpart, not scored).
SISIMAI = {
    "userunknown": "user unknown", "hasmoved": "user unknown", "hostunknown": "host unknown",
    "notaccept": "host unknown", "mailboxfull": "mailbox full", "suspend": "account disabled",
    "blocked": "blocked", "badreputation": "blocked", "requireptr": "policy",
    "authfailure": "policy", "policyviolation": "policy", "rejected": "policy",
    "securityerror": "policy", "notcompliantrfc": "policy", "spamdetected": "spam",
    "contenterror": "spam", "virusdetected": "virus", "mesgtoobig": "message too big",
    "exceedlimit": "message too big", "speeding": "rate limited", "toomanyconn": "rate limited",
    "ratelimited": "rate limited", "norelaying": "relay denied", "expired": "expired",
    "systemerror": "system error", "systemfull": "system error", "mailererror": "system error",
    "networkerror": "system error", "syntaxerror": "system error", "onhold": "on hold",
    "undefined": "unknown", "filtered": "?", "emptyaddress": "?", "failedstarttls": "policy",
}
_EXPECTED = re.compile(r"'(\d+)'\s*=>\s*\[(.*?)\]\],", re.S)
_ROW = re.compile(r"\[\s*'([\d.]*)',\s*'(\d*)',\s*'(\w+)',\s*(true|false)")


def sisimai(checkout: Path) -> None:
    """Real reports of dozens of MTAs (sisimai's set-of-emails), against sisimai's tests."""
    emails = checkout / "set-of-emails" / "maildir" / "bsd"
    c: Counter = Counter()
    for test in sorted((checkout / "test" / "public").glob("*.rb")) or sorted(
            (checkout / "t").glob("*.t")):
        prefix = test.stem.removesuffix("-test")
        for match in _EXPECTED.finditer(test.read_text(errors="replace")):
            path = emails / f"{prefix}-{match[1]}.eml"
            rows = _ROW.findall(match[2])
            if not path.exists() or not rows:
                continue
            findings = _analyse(path.read_bytes(), c)
            reason = rows[0][2]
            if reason in ("vacation", "delivered"):
                c["replies"] += 1
                c["false"] += findings[0].kind in (*BOUNCES, COMPLAINT)
            elif reason == "feedback":
                c["complaints"] += 1
                c["complaints_ok"] += findings[0].kind in (COMPLAINT, NOT_BOUNCE)
            else:
                for number, (_, _, why, hard) in enumerate(rows):
                    c["recipients"] += 1
                    got = findings[number] if number < len(findings) else None
                    if got is None or not got.recipient or got.kind not in BOUNCES:
                        continue
                    c["found"] += 1
                    c["hard"] += (got.kind == "hard") == (hard == "true")
                    if SISIMAI.get(why, "?") != "?":
                        c["judged"] += 1
                        c["reason"] += str(got.cause) == SISIMAI[why]
    print(f"sisimai set-of-emails: {c['recipients']} failed recipients, crashes {c['crashes']}")
    print(f"  recipient found:        {_pct(c['found'], c['recipients'])}")
    print(f"  hard/soft as sisimai:   {_pct(c['hard'], c['found'])}")
    print(f"  reason as sisimai:      {_pct(c['reason'], c['judged'])}")
    print(f"  complaints recognised:  {_pct(c['complaints_ok'], c['complaints'])}")
    print(f"  false bounces on auto-replies and success notices: {c['false']}/{c['replies']}")


def throughput(corpus: Path, count: int) -> None:
    samples = [path.read_bytes() for path in sorted(corpus.glob("*.eml"))]
    server = DovecotServer()
    server.start()
    home = Path(tempfile.mkdtemp(prefix="bench-bounces-"))
    os.environ.update(INFOLETTRE_HOME=str(home), INFOLETTRE_SECRET_KEY=SECRET,
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
    parser.add_argument("--flufl", type=Path, help="a checkout of flufl.bounce")
    parser.add_argument("--sisimai", type=Path, help="a checkout of sisimai")
    args = parser.parse_args()
    corpus = ROOT / "tests" / "data" / "bounces"
    for name in CORPORA:
        if (corpus / name / "manifest.yaml").exists():
            accuracy(corpus / name)
    if args.flufl:
        real_world(args.flufl)
    if args.sisimai:
        sisimai(args.sisimai)
    if args.messages:
        throughput(corpus, args.messages)


if __name__ == "__main__":
    main()
