"""Fixtures and helpers of the console tests: the console with an admin and an editor, and
a console that sends (a sender, subscribers, a real Celery worker, a real SMTP server)."""

from contextlib import contextmanager

from mailer import db
from tests.console.test_access import ROOT, add_staff, console  # noqa: F401 (a fixture)
from tests.sending.conftest import add_subscribers
from tests.support.webapp import CeleryWorker, WebProcess


@contextmanager
def sending_console(tmp_path, smtp_server, readers: int, **settings):
    """The web app and a worker sending to `smtp_server`, with `readers` subscribers and
    the staff member sender@example.org."""
    web = WebProcess(tmp_path / "home", issues_dir=str(ROOT / "issues"),
                     smtp_url=smtp_server.url, **settings)
    add_staff(web.env, "sender@example.org", "sender")
    db.upgrade(web.env["INFOLETTRE_DATABASE_URL"])
    add_subscribers(web.env["INFOLETTRE_DATABASE_URL"], readers)
    worker = CeleryWorker(web.env, tmp_path / "worker.log").start()
    web.start()
    try:
        yield web
    finally:
        web.stop()
        worker.stop()
