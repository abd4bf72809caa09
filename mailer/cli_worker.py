"""`infolettre worker [--beat]`: a Celery worker on the configured broker.

One process whose `--concurrency` batches run in threads (Celery's threads pool), not a
process forked per batch: a sending batch spends most of its time waiting for the relay
and the database, so two threads send as fast as two processes (bench/send.py) in the
memory of one, about 110 MB instead of about 300 MB for prefork's three processes (each
child counts the parent's pages again); `cryptography` lets go of the GIL while it signs
(since its release of 2026: two threads sign 1.6 to 1.7 times as fast as one, here).
`--pool prefork` or `--pool solo` is still taken.
"""

import click


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.option("--beat", is_flag=True, help="Also run the scheduler (one process per site).")
@click.option("--concurrency", default=2, show_default=True,
              help="Batches sent at once (threads of the one process).")
@click.option("--pool", type=click.Choice(["threads", "prefork", "solo"]), default="threads",
              show_default=True)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(beat: bool, concurrency: int, pool: str, celery_args: tuple[str, ...]) -> None:
    """Send, retry and recover: the Celery worker of Infolettre."""
    from mailer import db
    from mailer.dkim import key_problem
    from mailer.errors import UserError
    from mailer.settings import get_settings
    from workers.app import app

    key = key_problem(get_settings())  # every batch would fail on it, and say it nowhere
    if key:
        raise UserError(key)
    # The beat keeps its schedule there, whatever database and broker are configured.
    get_settings().home.mkdir(parents=True, exist_ok=True)
    db.upgrade()
    argv = ["worker", "--loglevel=INFO", f"--pool={pool}", f"--concurrency={concurrency}",
            *celery_args]
    if beat:
        argv.append("--beat")
    app.worker_main(argv)
