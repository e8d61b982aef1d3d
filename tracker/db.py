"""One database session per request, closed when the request ends.

A request's transaction that only read ends with COMMIT, not ROLLBACK: psycopg forgets the
statements it has prepared on every rollback, and PostgreSQL would plan each of a page's
statements afresh on every request (5 ms for the dashboard's rows alone). Any statement
but a SELECT counts as a write, and a transaction that wrote anything it did not commit
itself is rolled back, as is one whose request failed.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from .engine import make_engine

READ = re.compile(r"\s*(?:SELECT|BEGIN)\b", re.IGNORECASE)
WROTE = "tracker.wrote"  # on a connection's info: its transaction ran more than SELECTs
CONNECTION = "tracker.connection"  # on a session's info: the connection of its transaction


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    event.listen(engine, "before_cursor_execute", note_statement)
    event.listen(engine, "begin", lambda connection: connection.info.pop(WROTE, None))
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "after_begin", keep_connection)
    app.extensions["tracker.db"] = factory
    app.teardown_appcontext(close_session)


def note_statement(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if READ.match(statement) is None:
        connection.info[WROTE] = True


def keep_connection(session: Session, _transaction: Any, connection: Connection) -> None:
    session.info[CONNECTION] = connection


def only_read(session: Session) -> bool:
    """Whether the session has a transaction open on the database that read and did nothing
    else, nor has anything left to flush."""
    connection: Connection | None = session.info.get(CONNECTION)
    if connection is None or connection.closed or connection.invalidated:
        return False
    if not connection.in_transaction():
        return False
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:
        return False
    if session.new or session.dirty or session.deleted:
        return False
    return not connection.info.get(WROTE, False)


def sessions(app: Flask) -> sessionmaker[Session]:
    """The app's sessionmaker: its sessions carry the app's hooks (search index, data version)."""
    return app.extensions["tracker.db"]


def get_engine(app: Flask) -> Engine:
    return sessions(app).kw["bind"]


def get_session() -> Session:
    """Return this request's session; a write request's takes the write lock on SQLite."""
    if "db_session" not in g:
        factory: sessionmaker[Session] = current_app.extensions["tracker.db"]
        engine = get_engine(current_app)
        if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"):
            engine = engine.execution_options(sqlite_immediate=True)
        g.db_session = factory(bind=engine)
        for row in g.pop("db_rows", ()):
            g.db_session.add(row)
    return g.db_session


def attach_when_opened(row: object) -> None:
    """Put a row made without a query (a session a worker holds: auth/sessions.py) in this
    request's database session: now if it is open, else as `get_session` opens it. A page
    from the page cache then opens none."""
    if "db_session" in g:
        g.db_session.add(row)
    else:
        g.setdefault("db_rows", []).append(row)


def close_session(exc: BaseException | None = None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is None and only_read(session):
            session.commit()
        session.close()
    except DBAPIError as error:
        # The database went away after the answer was made: raising here would turn that
        # answer into a bare 500. Drop the connection; the pool opens a fresh one next time.
        reason = " ".join(str(error.orig or error).split())
        current_app.logger.warning("database connection lost at the end of a request: %s", reason)
        session.invalidate()
