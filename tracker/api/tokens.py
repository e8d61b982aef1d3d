"""Personal API tokens: made once, shown once, kept only as a SHA-256 hash.

A token authenticates GET requests to the read API (`Authorization: Bearer <token>`) and to
the feeds (the same header, or `?token=` for feed readers that cannot send headers). Only
Flask-Login's request loader calls `user_from_request`, when the request has no session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import Request, abort, current_app, g
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit
from ..bookkeeping import note
from ..models import ApiToken, User, utcnow

PREFIX = "trk_"
API_PATHS = "/api/"
FEED_PATHS = "/feeds/"
# Writing last_used_at on every request would make every API call a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenError(ValueError):
    """A token operation refused, with a message for the user."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user`; return it with the only copy of its secret."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip(), token_hash=token_hash(secret))
    session.add(token)
    session.flush()
    audit.record(session, "api_token.create", user=user, target=token, after={"name": token.name})
    return token, secret


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of `user`'s own tokens."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise TokenError(_("That token does not exist."))
    if token.revoked:
        raise TokenError(_("The token “%(name)s” is already revoked.", name=token.name))
    token.revoked_at = utcnow()
    audit.record(
        session, "api_token.revoke", user=user, target=token,
        before={"revoked": False}, after={"revoked": True, "name": token.name},
    )  # fmt: skip
    return token


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def user_for_token(session: Session, secret: str) -> User | None:
    """Return the active user an unrevoked token belongs to, noting when it was last used."""
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == token_hash(secret),
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    user, token = row
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        note(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return user


def presented_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if request.path.startswith(FEED_PATHS):
        return request.args.get("token") or None
    return None


def user_from_request(session: Session, request: Request) -> User | None:
    """Authenticate a read of the API or the feeds by token; refuse a bad one with 401.

    Without a token the request stays anonymous: `enforce_access` sends it to the login page,
    which the API turns into a 401 of its own (see api/errors.py).
    """
    if request.method not in ("GET", "HEAD") or not request.path.startswith(
        (API_PATHS, FEED_PATHS)
    ):
        return None
    secret = presented_token(request)
    if secret is None:
        return None
    user = user_for_token(session, secret)
    if user is None:
        refuse("This API token is not valid: it is unknown or revoked, or its account is disabled.")
    return user


def refuse(message: str) -> None:
    # Whatever shows the error must see a visitor, not ask this loader again.
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    abort(401, description=message)
