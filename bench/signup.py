"""Signups per second that POST /subscribe sustains, and its p99 latency.

Starts Redis (Celery broker and shared rate-limit storage), `infolettre web` (gunicorn) on
127.0.0.1 with rate limits off, then runs `wrk` from a second process: every request is a
new address posted as the website's snippet does, so each one queues its signup job (the
job, run by a Celery worker, records the pending subscriber and sends the confirmation;
none runs here). Prints the figures and checks the queue.

    .venv/bin/python bench/signup.py [--seconds 15] [--connections 16] [--workers 4]
                                     [--postgres]

The database is a SQLite file in a temporary folder, a throwaway PostgreSQL with
--postgres, or INFOLETTRE_DATABASE_URL when set.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import redis
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.web_stack import SITE, web_settings  # noqa: E402
from mailer import db  # noqa: E402
from subscribers.models import Subscriber  # noqa: E402
from tests.support.webapp import WebProcess  # noqa: E402

LUA = """
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  prefix = "bench" .. tid .. "-" .. os.time()
end
request = function()
  counter = counter + 1
  local body = "email=" .. prefix .. "-" .. counter .. "%40example.org&language=fr&source=bench"
  return wrk.format("POST", "/subscribe", {
    ["Content-Type"] = "application/x-www-form-urlencoded", ["Origin"] = "ORIGIN"}, body)
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-signup-"))
    with web_settings(args.postgres, os.environ.get("INFOLETTRE_DATABASE_URL")) as (
            broker, settings):
        web = WebProcess(home, workers=args.workers, **settings).start()
        script = home / "signup.lua"
        script.write_text(LUA.replace("ORIGIN", SITE))

        def wrk(seconds: int) -> str:
            return subprocess.run(
                ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s",
                 "--latency", "-s", str(script), f"{web.url}/subscribe"],
                check=True, capture_output=True, text=True,
            ).stdout

        try:
            wrk(3)  # warm up: every gunicorn worker connected to the database and the broker
            out = wrk(args.seconds)
        finally:
            web.stop()
        url = web.env["INFOLETTRE_DATABASE_URL"]
        with db.session_scope(url) as session:
            rows = session.scalar(select(func.count()).select_from(Subscriber))
        queued = redis.Redis.from_url(broker.url).llen("celery")

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    print(out)
    print(f"gunicorn workers {args.workers}, wrk {args.threads} threads "
          f"{args.connections} connections {args.seconds}s, database {url.split(':')[0]}")
    print(f"signups/s      {rate:.0f}")
    print(f"latency p50    {p50}")
    print(f"latency p99    {p99}")
    print(f"non-2xx        {errors.group(1) if errors else 0}")
    print(f"signup jobs    {queued} queued (with warm-up), {rows} subscriber rows (no worker)")


if __name__ == "__main__":
    main()
