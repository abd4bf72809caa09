"""The Celery app. Its broker is Redis in production, a SQLite file by default."""

import gc
import logging

from celery import Celery
from celery.signals import worker_init, worker_process_init

from mailer.settings import get_settings

# Modules holding tasks; each concern keeps its tasks beside its code. And the socket that
# takes `infolettre send` from the command (it starts with the worker, by its signals).
TASK_MODULES: list[str] = ["subscribers.tasks", "workers.tasks", "mailer.bounces.tasks",
                           "workers.launch_server"]


def make_app() -> Celery:
    settings = get_settings()
    app = Celery("infolettre", broker=settings.broker, include=TASK_MODULES)
    app.conf.update(
        # A task is acknowledged only once done: a killed worker's task is delivered again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        beat_schedule_filename=str(settings.home / "beat-schedule"),
        beat_schedule={
            "sweep": {"task": "workers.sweep", "schedule": settings.sweep_interval_seconds},
            "bounces": {"task": "bounces.poll", "schedule": settings.bounce_poll_seconds},
        },
    )
    if settings.broker.startswith("redis"):
        # A task held by a killed worker comes back after this (the sweep recovers sooner).
        # A Redis that takes the connection and never answers is given up on after the
        # socket timeouts (redis-py waits forever by default): `send` and the console then
        # say so instead of hanging (the worker's own reads wait 1 s at most).
        app.conf.broker_transport_options = {"visibility_timeout": 3600,
                                             "socket_connect_timeout": 5, "socket_timeout": 5}
    return app


app = make_app()
START_CAMPAIGN = "workers.start_campaign"


def queue_start(campaign_id: int) -> None:
    """Ask a worker to start (or resume) campaign `campaign_id`. The task is named, not
    imported: the command line and the web app queue it without loading the sending code
    (a third of the time `infolettre send` took before the first message)."""
    app.send_task(START_CAMPAIGN, (campaign_id,))


def _load_what_sending_needs() -> None:
    """What each worker's first batch would otherwise import on its own: the database's
    driver (psycopg is loaded by the engine's creation, about 0.1 s), the relay's
    transport, the DKIM key, and the IDNA codec that the first connection by name loads.
    No connection is opened: nothing that a fork would share."""
    from mailer.db import get_engine
    from mailer.dkim import signer_for
    from mailer.transport import get_sender

    settings = get_settings()
    try:
        get_engine()  # the driver's import, no connection
        get_sender(settings)  # imports its module; the connection opens on first use only
        signer_for(settings)
    except Exception as error:  # a bad setting: the batch that needs it says so, as before
        logging.getLogger(__name__).warning("not loaded before the fork: %r", error)
    "localhost".encode("idna")


@worker_process_init.connect
def _connect_ahead(batches: int = 1, **_) -> None:
    """In each process that sends, as it starts (a prefork child, one batch at a time; the
    worker itself with the threads or solo pool, `batches` at once): the database
    connections its batches take first wait in their pools (workers.ledger.connect_ahead),
    so the first batch does not wait for new PostgreSQL backends."""
    from mailer.db import get_engine
    from workers.ledger import connect_ahead

    try:
        connect_ahead(get_engine(), batches)
    except Exception as error:  # the database is down: the first task retries as before
        logging.getLogger(__name__).warning("no database connection yet: %r", error)


def sends_from_here(worker) -> bool:
    """Whether the Celery `worker` (its WorkController) runs its tasks in its own process
    (threads or solo pool), not in children it forks (prefork)."""
    pool = getattr(worker, "pool_cls", "prefork")  # a name until the worker resolves it
    return "prefork" not in str(getattr(pool, "__module__", pool))


@worker_init.connect
def _share_with_children(sender=None, **_) -> None:
    """Before the pool forks: what the batches need is loaded once (then shared), and the
    objects made so far (modules, tasks, settings) leave the garbage collector's watch, so
    that its passes in the children do not write to their pages (reference counts in GC
    headers) and the pages stay shared after the fork: the children's own memory is then
    what they do, not what they imported."""
    _load_what_sending_needs()
    gc.collect()
    gc.freeze()
    if sends_from_here(sender):
        _connect_ahead(getattr(sender, "concurrency", None) or 1)
