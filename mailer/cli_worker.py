"""`infolettre worker [--beat]`: a Celery worker on the configured broker."""

import click


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.option("--beat", is_flag=True, help="Also run the scheduler (one process per site).")
@click.option("--concurrency", default=2, show_default=True)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(beat: bool, concurrency: int, celery_args: tuple[str, ...]) -> None:
    """Send, retry and recover: the Celery worker of Infolettre."""
    from mailer import db
    from mailer.settings import get_settings
    from workers.app import app

    # The beat keeps its schedule there, whatever database and broker are configured.
    get_settings().home.mkdir(parents=True, exist_ok=True)
    db.upgrade()
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", *celery_args]
    if beat:
        argv.append("--beat")
    app.worker_main(argv)
