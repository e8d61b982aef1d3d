"""Database engines, configured the safe way for each backend."""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

# WAL lets readers work while one writer writes; FULL makes every commit durable.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA synchronous=FULL",
)


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine for `url`, with SQLite's pragmas set on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **options)
    engine = create_engine(url, **options)
    on_disk = parsed.database not in (None, "", ":memory:")
    writers = WriterQueue(f"{parsed.database}-writer.lock") if on_disk else None

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite opens transactions lazily; let SQLAlchemy emit BEGIN itself so the
        # pragmas run outside a transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Any) -> None:
        # A writer takes the write lock up front: a deferred transaction that reads first
        # fails at once with "database is locked" when another writer got in between.
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        if immediate and writers is not None:
            writers.wait_turn(connection.info)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    if writers is not None:
        # A session hands its connection back once it commits or rolls back: the turn ends
        # there, after SQLite's own commit, however the transaction ended.
        event.listen(engine.pool, "checkin", lambda _dbapi, record: writers.done(record.info))
        event.listen(engine.pool, "close", lambda _dbapi, record: writers.leave(record.info))
    return engine


class WriterQueue:
    """Let SQLite's writers take turns promptly.

    A writer that finds SQLite's write lock taken sleeps between tries, up to 100 ms at a
    time, so under load it can miss its turn again and again. Writers here first take an
    exclusive flock() on a file beside the database, trying every millisecond: each
    connection opens the file for itself, so processes and threads alike wait their turn.
    After `patience` seconds a writer goes ahead anyway, to SQLite's own busy timeout.
    """

    def __init__(self, path: str, patience: float = 10.0) -> None:
        self.path = path
        self.patience = patience

    def wait_turn(self, info: dict[str, Any]) -> None:
        if "writer_lock" not in info:
            info["writer_lock"] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.patience
        while True:
            try:
                fcntl.flock(info["writer_lock"], fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.001)
            else:
                info["writing"] = True
                return

    def done(self, info: dict[str, Any]) -> None:
        if info.pop("writing", False):
            fcntl.flock(info["writer_lock"], fcntl.LOCK_UN)

    def leave(self, info: dict[str, Any]) -> None:
        self.done(info)
        if "writer_lock" in info:
            os.close(info.pop("writer_lock"))
