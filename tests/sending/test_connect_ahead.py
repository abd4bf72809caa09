"""A worker opens, as it starts, the database connections its first batches take, so that
its first message does not wait for new PostgreSQL backends (workers.ledger.connect_ahead)."""

from sqlalchemy import event

from mailer import db
from workers.ledger import Ledger, _record_engine, connect_ahead


def test_the_first_batches_find_their_connections_open(database_url):
    engine = db.get_engine(database_url)
    connect_ahead(engine, batches=2)
    engines = [engine]
    if engine.dialect.name == "postgresql":  # the ledger's records have an engine of their own
        engines.append(_record_engine(engine.url.render_as_string(hide_password=False)))
    opened = []

    def new_connection(*_) -> None:
        opened.append(1)

    for each in engines:
        event.listen(each, "connect", new_connection)
    try:
        batches = [engine.connect(), engine.connect()]  # two batches at once, in threads
        for ledger in [Ledger(conn) for conn in batches]:
            ledger.close()
        for conn in batches:
            conn.close()
    finally:
        for each in engines:
            event.remove(each, "connect", new_connection)
    assert opened == []
