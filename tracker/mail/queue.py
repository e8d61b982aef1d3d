"""The mail worker's task queue (Huey), and what wakes the worker.

Huey keeps its queue in a SQLite file (TRACKER_QUEUE_PATH, by default in the instance folder),
or in Redis when TRACKER_REDIS_URL is set. The queue only wakes the worker: what to send, and
what was sent, lives in the database's outbox, so a lost or repeated wake-up loses nothing and
sends nothing twice. A commit that wrote notifications wakes it (`install_wake_up`), whatever
wrote them; so do a retry and the worker's start, and a sweep every five minutes. The tasks
themselves are the worker's (commands.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, SessionTransaction

from ..db import get_engine, sessions
from .operations import Settings

if TYPE_CHECKING:
    from huey import Huey

NOTIFIED = "tracker.notified"  # on a connection's info: this transaction wrote notifications
WAKE = "tracker.wake_mail_worker"  # on a session's info: wake the worker after the commit
COMMITTED = "tracker.notifications_committed"  # ...which happened: wake it once released
NOTIFICATION_INSERT = re.compile(r'\s*INSERT\s+INTO\s+"?notification"?[\s(]', re.IGNORECASE)


def mail_enabled(app: Flask) -> bool:
    return bool(app.config.get("SMTP_URL"))


def site_url(app: Flask) -> str:
    """Where the links of e-mails point: TRACKER_BASE_URL, or where `tracker worker` says."""
    return app.config.get("BASE_URL") or "http://127.0.0.1:5000"


def settings_of(app: Flask) -> Settings:
    host = site_url(app).partition("//")[2].split("/")[0].rpartition(":")[0] or "localhost"
    return Settings(
        sender=app.config.get("MAIL_FROM") or f"Tracker <tracker@{host}>",
        retry_seconds=app.config["MAIL_RETRY_SECONDS"],
        max_attempts=app.config["MAIL_MAX_ATTEMPTS"],
        claim_seconds=app.config["MAIL_CLAIM_SECONDS"],
        review_every_days=app.config["REVIEW_EVERY_DAYS"],
    )


def make_huey(app: Flask) -> Huey:
    # Imported here: Huey and the storages it imports (psycopg among them) cost a web process
    # about 11 MB, and a site without e-mail never makes a queue.
    from huey import Huey, RedisHuey, SqliteHuey

    if app.config.get("HUEY_IMMEDIATE"):  # tests: each task runs at once, in the caller
        return Huey("tracker", immediate=True)
    if app.config.get("REDIS_URL"):
        return RedisHuey("tracker", url=app.config["REDIS_URL"])
    path = Path(app.config.get("QUEUE_PATH") or Path(app.instance_path) / "queue.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("tracker", filename=str(path))


def install_wake_up(app: Flask, wake: Callable[[], None]) -> None:
    """Call `wake` after each commit that wrote notifications, while e-mail is on."""
    factory = sessions(app)
    engine = get_engine(app)

    def note(connection: Connection, _cursor: Any, statement: str, *_args: Any, **_kw: Any) -> None:
        if NOTIFICATION_INSERT.match(statement):
            connection.info[NOTIFIED] = True

    def forget(connection: Connection) -> None:
        connection.info.pop(NOTIFIED, None)

    def before_commit(session: Session) -> None:
        if not session.in_transaction() or not mail_enabled(app):
            return
        session.flush()
        if session.connection().info.pop(NOTIFIED, False):
            session.info[WAKE] = True

    def after_commit(session: Session) -> None:
        if session.info.pop(WAKE, False):
            session.info[COMMITTED] = True

    def after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
        # Once the connection is handed back: on SQLite it holds the write turn until then.
        if transaction.parent is None and session.info.pop(COMMITTED, False):
            wake()

    event.listen(engine, "before_cursor_execute", note)
    event.listen(engine, "begin", forget)
    event.listen(factory, "before_commit", before_commit)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_transaction_end", after_transaction_end)
