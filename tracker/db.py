"""One database session per request, closed when the request ends."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from .engine import make_engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["tracker.db"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(close_session)


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


def close_session(_exc: BaseException | None = None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except DBAPIError as error:
        # The database went away after the answer was made: raising here would turn that
        # answer into a bare 500. Drop the connection; the pool opens a fresh one next time.
        reason = " ".join(str(error.orig or error).split())
        current_app.logger.warning("database connection lost at the end of a request: %s", reason)
        session.invalidate()
