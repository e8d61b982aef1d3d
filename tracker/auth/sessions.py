"""Server-side sessions: the browser keeps a random token, the database says if it still holds."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app, g, session
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ..bookkeeping import note
from ..models import User, UserSession, utcnow

# The key of the token in Flask's (signed) session cookie.
TOKEN_KEY = "session_token"

# Writing last_seen_at on every request would make every page a write.
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=1)


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


def load_session_user(db: Session, user_id: str, token: str | None) -> User | None:
    """Return the user whose session this token opened, if it has neither ended nor expired.

    Flask-Login calls this on the first use of `current_user`, which `enforce_access` makes
    before any view runs; the session found is kept on `g` for logout and password changes.
    """
    if not token or not user_id.isdigit():
        return None
    now = utcnow()
    row = db.execute(
        SESSION_USER,
        {
            "token_hash": token_hash(token),
            "user_id": int(user_id),
            "idle_since": now - idle_timeout(),
            "opened_since": now - absolute_timeout(),
        },
    ).first()
    if row is None:
        return None
    user, user_session = row
    if now - user_session.last_seen_at >= LAST_SEEN_RESOLUTION:
        note(update(UserSession).where(UserSession.id == user_session.id).values(last_seen_at=now))
    g.user_session = user_session
    return user


def current_session() -> UserSession | None:
    """Return the server-side session of this request's logged-in user."""
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
