"""Does POST /subscribe answer faster for an address already on the list? (issue 12)

Starts Redis (Celery broker), `infolettre web` (gunicorn, one worker, rate limits off) on
127.0.0.1 with a list of subscribed addresses, and no Celery worker: the request only
validates and queues its job. Then posts over one keep-alive connection, as the website's
snippet does, `--requests` pairs of signups: a known address and a new one, in turn first
(ABBA, so that a drift of the machine's load falls on both alike). Prints each median,
the median of the paired differences (goal: under 0.3 ms either way) and how often the
best simple guess ("faster than the overall median: known") is right (50 % is a coin
toss; the report before the fix: 74-85 %).

    .venv/bin/python bench/signup_timing.py [--requests 200] [--postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.web_stack import SITE, web_settings  # noqa: E402
from mailer import db  # noqa: E402
from mailer.db import utcnow  # noqa: E402
from subscribers.models import Status, Subscriber  # noqa: E402
from tests.support.webapp import WebProcess  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="of each kind")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-signup-timing-"))
    timings: dict[bool, list[float]] = {True: [], False: []}
    with web_settings(args.postgres) as (_broker, settings):
        web = WebProcess(home, workers=1, **settings)
        url = web.env["INFOLETTRE_DATABASE_URL"]
        db.upgrade(url)
        known = [f"known-{n}@example.org" for n in range(args.requests)]
        with db.session_scope(url) as session:
            session.add_all(Subscriber(email=email, language="fr", status=Status.SUBSCRIBED,
                                       confirmed_at=utcnow()) for email in known)
        unknown = [f"new-{n}@example.org" for n in range(args.requests)]

        web.start()
        http = requests.Session()

        def post(email: str) -> float:
            started = time.perf_counter()
            answer = http.post(f"{web.url}/subscribe", headers={"Origin": SITE}, timeout=10,
                               data={"email": email, "language": "fr", "source": "bench"})
            elapsed = time.perf_counter() - started
            assert answer.status_code == 200, answer.status_code
            return elapsed

        try:
            for n in range(50):  # warm up: connections to the database and the broker
                post(f"warm-{n}@example.org")
            for n, (old, new) in enumerate(zip(known, unknown, strict=True)):
                for is_known, email in ((True, old), (False, new))[::1 if n % 2 else -1]:
                    timings[is_known].append(post(email))
        finally:
            web.stop()
            db.get_engine(url).dispose()

    known_ms = statistics.median(timings[True]) * 1000
    unknown_ms = statistics.median(timings[False]) * 1000
    cut = statistics.median(timings[True] + timings[False])
    right = sum(t < cut for t in timings[True]) + sum(t >= cut for t in timings[False])
    paired_ms = statistics.median(a - b for a, b in zip(timings[True], timings[False],
                                                         strict=True)) * 1000
    print(f"database {url.split(':')[0]}, {args.requests} requests of each kind, 1 gunicorn "
          "worker, Redis broker")
    print(f"median known      {known_ms:.3f} ms")
    print(f"median unknown    {unknown_ms:.3f} ms")
    print(f"difference        {known_ms - unknown_ms:+.3f} ms of the medians")
    print(f"paired difference {paired_ms:+.3f} ms median, known minus new "
          "(goal: under 0.3 ms either way)")
    print(f"best guess right  {100 * right / (2 * args.requests):.1f} % (50 % = no information)")


if __name__ == "__main__":
    main()
