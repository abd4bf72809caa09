"""The web app and a Celery worker as real processes, configured through the environment."""

from __future__ import annotations

import http.server
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from tests.support.servers import free_port, wait_for_port

SECRET = "test-secret-key-for-signed-links"


def infolettre_env(home: Path, **settings: str) -> dict[str, str]:
    """A process environment with every INFOLETTRE_* setting pointing into `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFOLETTRE_")}
    values = {
        "home": str(home),
        "database_url": f"sqlite:///{home / 'infolettre.db'}",
        "broker_url": f"sqla+sqlite:///{home / 'broker.db'}",
        "secret_key": SECRET,
        **settings,
    }
    env.update({f"INFOLETTRE_{key.upper()}": value for key, value in values.items()})
    return env


class WebProcess:
    """`infolettre web` (gunicorn) on a free port of 127.0.0.1."""

    def __init__(self, home: Path, workers: int = 1, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = infolettre_env(home, base_url=self.url, **settings)
        self.log = home / "web.log"
        self.workers = workers
        self.proc: subprocess.Popen | None = None

    def start(self) -> WebProcess:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailer", "web", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, timeout=30, proc=self.proc)
        # The port opens before the workers have imported the app: one answered request
        # (the workers boot together) keeps a loaded machine's first test request in time.
        requests.get(f"{self.url}/subscribe", timeout=90)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


class CeleryWorker:
    """A real Celery worker process as `infolettre worker` runs it (two batches at once in
    threads of one process; with the beat if asked), ready once it says so in its log."""

    CONCURRENCY = 2  # batches sent at once, as `infolettre worker` sends them

    def __init__(self, env: dict[str, str], log: Path, beat: bool = False) -> None:
        self.env, self.log, self.beat = env, log, beat
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> CeleryWorker:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "--pool=threads",
             f"--concurrency={self.CONCURRENCY}", "--loglevel=INFO", "--without-gossip",
             "--without-mingle", "--without-heartbeat",
             *(["--beat"] if self.beat else [])],  # its schedule file: in INFOLETTRE_HOME
            env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while b"ready." not in self.log.read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker not ready:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def kill(self) -> None:
        """SIGKILL: no shutdown and no acknowledgement, as when the OOM killer stops it."""
        self.proc.kill()
        self.proc.wait(timeout=10)


def queued_tasks(broker_url: str) -> list[str]:
    """Names of the tasks waiting in a kombu SQLite broker (none if nothing was queued)."""
    path = broker_url.removeprefix("sqla+sqlite:///")
    if not Path(path).exists():
        return []
    with sqlite3.connect(path) as conn:
        try:
            rows = conn.execute("select payload from kombu_message").fetchall()
        except sqlite3.OperationalError:
            return []
    return [json.loads(payload)["headers"]["task"] for (payload,) in rows]


class StaticSite:
    """A stand-in for the network's website: serves `html` at every path, from its own origin."""

    def __init__(self) -> None:
        site = self
        self.html = ""

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                body = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
