"""Server-side sessions: the browser keeps a random token, the database says if it still holds.

With `TRACKER_REDIS_URL`, a worker holds each session it found valid, and its user, as plain
values (`Held`), and answers the next requests of that session from them without asking the
database, for as long as the sessions' version in Redis stands (any write to a user or a
session but a login and a last-seen time bumps it after its commit: caching.py) and until its
last-seen time is due to be written or it would expire. Each request makes its own `User` and
`UserSession` of those values in its own database session, as if a query had read them, as
that session opens: a page from the page cache opens none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, g, session
from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict

from ..bookkeeping import note
from ..caching import TOUCH, DataVersion, Recent
from ..db import attach_when_opened, get_session
from ..models import Base, User, UserSession, utcnow

# The key of the token in Flask's (signed) session cookie.
TOKEN_KEY = "session_token"

# Writing last_seen_at on every request would make every page a write.
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=1)


# How many sessions a worker holds: the most recently used.
HELD_SESSIONS = 1024
HELD = "tracker.held_sessions"

Row = TypeVar("Row", bound=Base)


@dataclass(frozen=True)
class Held:
    """A session found valid and its user, as values any thread may read."""

    version: int  # the sessions' version read before the database said it held
    until: dt.datetime  # when its last-seen time is due to be written, or it expires
    user: dict[str, Any]
    user_session: dict[str, Any]


def values(row: Base) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in inspect(type(row)).column_attrs}


def as_loaded(model: type[Row], held: dict[str, Any]) -> Row:
    """A row of `model` holding `held` in this request's database session, as a query would
    have put it there, without one.

    Made as SQLAlchemy's loading makes rows: a new instance whose attributes are set with no
    change events (a quarter of the cost of `model(**held)`, on every page a held session opens).
    """
    row: Row = inspect(model).class_manager.new_instance()
    instance_dict(row).update(held)
    make_transient_to_detached(row)
    attach_when_opened(row)
    return row


# Built once: this runs before every page a logged-in user opens.
SESSION_USER = (
    select(User, UserSession)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        UserSession.token_hash == bindparam("token_hash"),
        User.id == bindparam("user_id"),
        User.active.is_(True),
        UserSession.ended_at.is_(None),
        UserSession.last_seen_at > bindparam("idle_since"),
        UserSession.created_at > bindparam("opened_since"),
    )
)


def token_hash(token: str) -> str:
    """Hash a token for storage: a copy of the database holds no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Session, user: User) -> str:
    """Open a session for `user` and return the token the browser will hold."""
    token = secrets.token_urlsafe(32)
    db.add(UserSession(user_id=user.id, token_hash=token_hash(token)))
    db.flush()
    return token


def idle_timeout() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["IDLE_TIMEOUT_MINUTES"])


def absolute_timeout() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["SESSION_HOURS"])


def session_expiry(user_session: UserSession) -> dt.datetime:
    """Say when a session ends if its browser sends no further request."""
    return min(
        user_session.last_seen_at + idle_timeout(),
        user_session.created_at + absolute_timeout(),
    )


def load_session_user(user_id: str, token: str | None) -> User | None:
    """Return the user whose session this token opened, if it has neither ended nor expired.

    Flask-Login calls this on the first use of `current_user`, which `enforce_access` makes
    before any view runs; the session found is kept on `g` for logout and password changes
    (`current_session`).
    """
    if not token or not user_id.isdigit():
        return None
    now = utcnow()
    key = token_hash(token)
    held_sessions: Recent[Held] | None = current_app.extensions.get(HELD)
    versions: DataVersion = current_app.extensions["tracker.data_version"]
    # Read before the database: a change committed after this bumps the version it holds.
    version = versions.sessions() if held_sessions is not None else None
    held = held_sessions.get(key) if held_sessions is not None and version is not None else None
    if held is not None and held.version == version and now < held.until:
        if str(held.user["id"]) != user_id:
            return None
        g.held_session = held.user_session  # made a row only if the view asks for it
        return as_loaded(User, held.user)
    db = get_session()
    row = db.execute(
        SESSION_USER,
        {
            "token_hash": key,
            "user_id": int(user_id),
            "idle_since": now - idle_timeout(),
            "opened_since": now - absolute_timeout(),
        },
    ).first()
    if row is None:
        return None
    user, user_session = row
    seen = user_session.last_seen_at
    if now - seen >= LAST_SEEN_RESOLUTION:
        note(
            update(UserSession)
            .where(UserSession.id == user_session.id)
            .values(last_seen_at=now)
            .execution_options(**{TOUCH: True})
        )
        seen = now
    if held_sessions is not None and version is not None:
        until = min(seen + LAST_SEEN_RESOLUTION, session_expiry(user_session))
        held_values = values(user_session) | {"last_seen_at": seen}
        held_sessions.put(key, Held(version, until, values(user), held_values))
    g.user_session = user_session
    return user


def init_app(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        app.extensions[HELD] = Recent[Held](HELD_SESSIONS)


def current_session() -> UserSession | None:
    """Return the server-side session of this request's logged-in user."""
    if "user_session" not in g and "held_session" in g:
        g.user_session = as_loaded(UserSession, g.held_session)
    return g.get("user_session")


def hold_token(token: str) -> None:
    """Give the browser the token, in a Flask session the caller has just cleared."""
    session[TOKEN_KEY] = token


def end_session(user_session: UserSession) -> None:
    user_session.ended_at = utcnow()


def end_session_of_token(db: Session, token: str | None) -> None:
    """End the session this token opened, if it is still open."""
    if token:
        db.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_sessions(db: Session, user: User, *, keep: UserSession | None = None) -> int:
    """End every open session of `user` except `keep`; return how many ended."""
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    return db.execute(statement).rowcount
