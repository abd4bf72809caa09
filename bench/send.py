"""Messages per second delivered by 2 worker processes to Postfix's smtp-sink on 127.0.0.1,
beside smtp-source's own rate to the same sink, with peak memory and time to first message.

    .venv/bin/python bench/send.py [--subscribers 10000] [--postgres] [--dkim rsa|ed25519]

smtp-source sends messages of the size of ours (the full example: about 83 KB).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from mailer import db  # noqa: E402
from subscribers.models import Status, Subscriber  # noqa: E402
from tests.support.servers import PostgresServer, RedisServer, free_port, wait_for_port  # noqa: E402
from workers.models import Delivery, DeliveryState  # noqa: E402

MESSAGE_SIZE = 83_000


def dkim_key(home: Path, kind: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa"
           else ed25519.Ed25519PrivateKey.generate())
    path = home / "dkim.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


def sink() -> tuple[subprocess.Popen, int]:
    port = free_port()
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    proc = subprocess.Popen(["smtp-sink", *user, f"127.0.0.1:{port}", "1024"])
    wait_for_port(port, proc=proc)
    return proc, port


def smtp_source_rate(port: int, count: int, size: int) -> float:
    start = time.perf_counter()
    subprocess.run(["smtp-source", "-s", "16", "-m", str(count), "-l", str(size),
                    f"127.0.0.1:{port}"], check=True)
    return count / (time.perf_counter() - start)


def seed(url: str, count: int) -> None:
    rows = [{"email": f"reader{n:07d}@example.org", "language": "fr" if n % 3 else "en",
             "status": Status.SUBSCRIBED} for n in range(count)]
    with db.session_scope(url) as session:
        for start in range(0, count, 10_000):
            session.execute(insert(Subscriber), rows[start:start + 10_000])


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    total, pids = 0, [pid]
    while pids:
        current = pids.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * os.sysconf(
                "SC_PAGE_SIZE")
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pids += [int(child) for child in children]
    return total / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--dkim", choices=["rsa", "ed25519"])
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-send-"))
    redis = RedisServer()
    redis.start()
    postgres = None
    url = f"sqlite:///{home / 'infolettre.db'}"
    if args.postgres:
        postgres = PostgresServer()
        postgres.start()
        url = postgres.create_database("bench")
    sink_proc, port = sink()
    env = {**os.environ, "INFOLETTRE_HOME": str(home), "INFOLETTRE_DATABASE_URL": url,
           "INFOLETTRE_BROKER_URL": redis.url, "INFOLETTRE_SMTP_URL": f"smtp://127.0.0.1:{port}",
           "INFOLETTRE_SECRET_KEY": "bench"}
    if args.dkim:
        env["INFOLETTRE_DKIM_KEY_FILE"] = str(dkim_key(home, args.dkim))
    worker = None
    try:
        db.upgrade(url)
        seed(url, args.subscribers)
        reference = smtp_source_rate(port, 20_000, MESSAGE_SIZE)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.app", "--quiet", "worker",
             "--concurrency=2", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
             "--without-heartbeat"], env=env, cwd=ROOT)
        time.sleep(4)  # the worker is up
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mailer", "send", "issues/091.yaml", "--yes"],
                       env=env, cwd=ROOT, check=True, capture_output=True)
        first = peak = 0.0
        engine = db.get_engine(url)
        while True:
            time.sleep(0.25)
            peak = max(peak, tree_rss_mb(worker.pid))
            with engine.connect() as conn:
                sent = conn.execute(select(func.count()).where(
                    Delivery.state == DeliveryState.SENT)).scalar_one()
            if sent and not first:
                first = time.perf_counter() - start
            if sent >= args.subscribers:
                break
        elapsed = time.perf_counter() - start
        rate = args.subscribers / elapsed
        print(f"subscribers {args.subscribers} on {'PostgreSQL' if postgres else 'SQLite'}, "
              f"Redis broker, 2 worker processes, DKIM {args.dkim or 'off'}, "
              f"messages of about {MESSAGE_SIZE // 1000} KB")
        print(f"infolettre:   {rate:8.0f} messages/s  ({elapsed:.1f} s end to end)")
        print(f"smtp-source:  {reference:8.0f} messages/s  (-s 16, same size)")
        print(f"ratio:        {rate / reference:8.2f}")
        print(f"first message delivered {first:.2f} s after `send --yes` started")
        print(f"peak memory of the worker processes: {peak:.0f} MB")
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
        sink_proc.kill()
        sink_proc.wait(timeout=10)
        redis.close()
        if postgres:
            postgres.close()


if __name__ == "__main__":
    main()
