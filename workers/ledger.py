"""The deliveries' ledger during a send: claims before SMTP, outcomes after, a group at a time.

Exactly once, at the cost of one statement per group instead of two commits per message:
a group of at most GROUP deliveries is claimed (queued → sending) in one committed
statement before any of them is handed to the relay, and their outcomes are recorded in
one statement after. A worker killed in between leaves at most the group's rows in
`sending`: recovery marks them `unknown` and never sends them again, so nobody is mailed
twice and at most GROUP readers of a campaign miss it per batch the worker was sending
(`infolettre worker` sends two at once, in threads). Rows of a group that were never
handed to the relay when something else went wrong go back to `queued`.

The records of one group and the claim of the next go together (`claim`): one commit on
SQLite, one statement on PostgreSQL (an UPDATE over arrays for the records, in a WITH
before the claim's UPDATE: the two touch different rows). On PostgreSQL statements run
in autocommit (one round trip each, no BEGIN or COMMIT of their own); records made
outside a claim (a refusal, the batch's end) commit asynchronously (`synchronous_commit =
off`, on a connection used for nothing else): losing one in a database crash leaves its
row in `sending`, which recovery already covers. Claims always commit synchronously.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, select, text

from mailer.db import utcnow
from workers.models import Campaign, Delivery

# The most deliveries a killed worker can leave `unknown`: those claimed and not recorded,
# the messages in flight on its SMTP connections among them (workers.sending).
GROUP = 12

# Written out once (a statement built per call costs more than the database does).
_CLAIM = text(
    "UPDATE delivery SET state = 'sending', attempts = attempts + 1, updated_at = :now "
    "WHERE id IN :ids AND state = 'queued' RETURNING id"
).bindparams(bindparam("now", type_=Delivery.updated_at.type), bindparam("ids", expanding=True))
_RECORD = text(
    "UPDATE delivery SET state = :state, reply = :reply, updated_at = :now WHERE id = :id"
).bindparams(bindparam("now", type_=Delivery.updated_at.type))
# PostgreSQL: the group's outcomes in one statement, whose plan is made once, instead of
# one UPDATE per row (a tenth of a worker's time there, per py-spy).
_UPDATE_GROUP = (
    "UPDATE delivery SET state = v.state, reply = v.reply, updated_at = :now "
    "FROM unnest(CAST(:done AS integer[]), CAST(:states AS varchar[]), "
    "CAST(:replies AS varchar[])) AS v(id, state, reply) WHERE delivery.id = v.id")
_RECORD_GROUP = text(_UPDATE_GROUP).bindparams(bindparam("now", type_=Delivery.updated_at.type))
# ... and with the next claim, in one round trip: the records are then committed with it.
_RECORD_AND_CLAIM = text(
    f"WITH recorded AS ({_UPDATE_GROUP} RETURNING delivery.id) "  # noqa: S608 - constant
    "UPDATE delivery SET state = 'sending', attempts = attempts + 1, updated_at = :now "
    "WHERE id = ANY(CAST(:ids AS integer[])) AND state = 'queued' RETURNING id"
).bindparams(bindparam("now", type_=Delivery.updated_at.type))
_RELEASE = text(
    "UPDATE delivery SET state = 'queued', attempts = attempts - 1, "
    "reply = coalesce(:reply, reply), updated_at = :now WHERE id IN :ids AND state = 'sending'"
).bindparams(bindparam("now", type_=Delivery.updated_at.type), bindparam("ids", expanding=True))


@lru_cache(maxsize=4)
def _record_engine(url: str) -> Engine:
    """PostgreSQL connections whose commits do not wait for the disk: for records only.
    Set once connected (a startup option would be refused by some connection poolers)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=2, pool_pre_ping=True)
    event.listen(engine, "connect", _commits_without_waiting)
    return engine


def connect_ahead(engine: Engine, batches: int) -> None:
    """Open the connections that `batches` batches sending at once take first, and leave
    them open in their pools: each batch's own and, on PostgreSQL, its ledger's two (claims,
    records): each new PostgreSQL connection is a backend forked and authenticated, a few
    milliseconds to tens on a busy machine, before the campaign's first message."""
    opened = [engine.connect() for _ in range(batches)]
    if engine.dialect.name == "postgresql":
        url = engine.url.render_as_string(hide_password=False)
        opened += [engine.connect() for _ in range(batches)]
        opened += [_record_engine(url).connect() for _ in range(batches)]
    for conn in opened:
        conn.close()  # back to its pool, still open


def _commits_without_waiting(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET synchronous_commit = off")
    cursor.close()
    dbapi_connection.commit()


class Ledger:
    """Claims and records of one batch task, on the batch's connection (SQLite) or on
    autocommit connections of their own (PostgreSQL). Close it after use."""

    def __init__(self, conn: Connection) -> None:
        self._own: list[Connection] = []
        if conn.dialect.name == "postgresql":
            url = conn.engine.url.render_as_string(hide_password=False)
            self.claims = self._open(conn.engine.execution_options(isolation_level="AUTOCOMMIT"))
            self.records = self._open(_record_engine(url))
        else:
            self.claims = self.records = conn

    def _open(self, engine: Engine) -> Connection:
        conn = engine.connect()
        self._own.append(conn)
        return conn

    def campaign_state(self, campaign_id: int) -> str:
        state = self.claims.execute(
            select(Campaign.state).where(Campaign.id == campaign_id)).scalar_one()
        self.claims.commit()
        return state

    def claim(self, ids: Sequence[int],
              outcomes: Sequence[tuple[int, str, str | None]] = ()) -> set[int]:
        """queued → sending, committed before it returns, with `outcomes` (as `record`)
        recorded in the same commit; the ids this worker now holds (another worker may
        hold the others already)."""
        if not ids:
            self.record(outcomes)
            return set()
        now = utcnow()
        if outcomes and self.claims.dialect.name == "postgresql":
            claimed = self.claims.execute(_RECORD_AND_CLAIM, {
                "ids": list(ids), "now": now, **_arrays(outcomes)}).scalars().all()
        else:
            if outcomes:
                self.claims.execute(_RECORD, _rows(outcomes, now))
            claimed = self.claims.execute(_CLAIM, {"ids": list(ids), "now": now}).scalars().all()
        self.claims.commit()
        return set(claimed)

    def record(self, outcomes: Iterable[tuple[int, str, str | None]],
               release: Sequence[int] = (), reason: str | None = None) -> None:
        """Each (id, state, reply) recorded; the `release` ids, claimed but never handed to
        the relay, queued again as if never claimed (with `reason` as their reply)."""
        now = utcnow()
        outcomes = list(outcomes)
        if outcomes and self.records.dialect.name == "postgresql":
            self.records.execute(_RECORD_GROUP, {"now": now, **_arrays(outcomes)})
        elif outcomes:
            self.records.execute(_RECORD, _rows(outcomes, now))
        if release:
            self.records.execute(_RELEASE, {"ids": list(release), "reply": reason, "now": now})
        self.records.commit()

    def close(self) -> None:
        for conn in self._own:
            conn.close()


def _arrays(outcomes: Sequence[tuple[int, str, str | None]]) -> dict[str, list]:
    """The outcomes as the arrays _UPDATE_GROUP unnests."""
    ids, states, replies = zip(*outcomes, strict=True)
    return {"done": list(ids), "states": [str(state) for state in states],
            "replies": list(replies)}


def _rows(outcomes: Sequence[tuple[int, str, str | None]], now) -> list[dict]:
    return [{"id": id_, "state": str(state), "reply": reply, "now": now}
            for id_, state, reply in outcomes]
