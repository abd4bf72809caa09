"""`infolettre web`: serve the web app with gunicorn (a few worker processes)."""

import os
import sys

import click

from mailer import db


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1))
def web(host: str, port: int, workers: int) -> None:
    """Serve the public pages (signup, confirm, unsubscribe, preferences) and the APIs."""
    db.upgrade()
    # exec: gunicorn becomes this process, so signals (Ctrl-C, SIGTERM) reach it directly.
    # The request line's bound is gunicorn's largest (0 would read a line of any length):
    # the app refuses a URL past web_errors.MAX_URL with its page in the reader's language;
    # past 8,190 bytes (no link of ours comes near) gunicorn's own bare 414 answers.
    args = [
        sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
        "--limit-request-line", "8190",
        "--access-logfile", "-", "mailer.webapp:create_app()",
    ]
    os.execv(sys.executable, args)  # noqa: S606
