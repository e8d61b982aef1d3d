"""Accounts: creating them, checking credentials, and changing roles, access and passwords."""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..models import ApiToken, AuditEvent, User, UserSession, utcnow
from ..text import character_problem
from ..vocabulary import Role
from .passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    unusable_password,
    verify_password,
)
from .sessions import end_session, end_sessions

# Wrong passwords a session may give when asked for its password again before it ends: who
# guesses that often holds a session but not the password.
WRONG_PASSWORDS_PER_SESSION = 5


class AccountError(ValueError):
    """An account operation that cannot be done, with a message for the user."""


@dataclass(frozen=True)
class Ended:
    """What a change of password or access ended: sessions, and API tokens revoked."""

    sessions: int
    tokens: int

    def __str__(self) -> str:
        return f"sessions ended: {self.sessions}. API tokens revoked: {self.tokens}"


class Check(enum.Enum):
    """How a logged-in user's password, asked for again, turned out."""

    RIGHT = "right"
    WRONG = "wrong"
    SESSION_ENDED = "session ended"


def handle_base(name: str) -> str:
    """The words of a name in lowercase, joined by hyphens: "Ana Analyst" is "ana-analyst"."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", name).lower().replace("_", " "))
    return "-".join(words)[:56].strip("-") or "user"


def unique_handle(session: Session, name: str) -> str:
    """A handle for a new user: made from their name, numbered when another user holds it."""
    base = handle_base(name)
    taken = set(
        session.scalars(
            select(User.handle).where(or_(User.handle == base, User.handle.like(f"{base}-%")))
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalise_email(email))).first()


def list_accounts(session: Session) -> list[tuple[User, dt.datetime | None]]:
    """List every user with when they last logged in (None: never), by email."""
    last_login = (
        select(UserSession.user_id, func.max(UserSession.created_at).label("at"))
        .group_by(UserSession.user_id)
        .subquery()
    )
    rows = session.execute(
        select(User, last_login.c.at)
        .outerjoin(last_login, last_login.c.user_id == User.id)
        .order_by(User.email)
    )
    return [(user, at) for user, at in rows]


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def create_user(
    session: Session, email: str, name: str, password: str | None, role: Role, *, by: User | None
) -> User:
    """Add an account; with `password` None it has no usable password until one is set."""
    for text in (email, name):
        if problem := character_problem(text):
            raise AccountError(problem)
    if find_user(session, email) is not None:
        raise AccountError(
            _("A user with the email %(email)s already exists.", email=normalise_email(email))
        )
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        handle=unique_handle(session, name.strip()),
        password_hash=unusable_password() if password is None else hash_password(password),
        role=role,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.create",
        user=by or user,
        target=user,
        after={
            "email": user.email,
            "name": user.name,
            "handle": user.handle,
            "role": user.role.value,
        },  # fmt: skip
    )
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with these credentials, upgrading an outdated hash."""
    user = find_user(session, email)
    if not verify_password(user.password_hash if user else None, password):
        audit.record(session, "login.failed", user=user, after={"email": normalise_email(email)})
        return None
    assert user is not None
    if not user.active:
        audit.record(session, "login.refused_disabled", user=user, target=user)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, "login", user=user, target=user)
    return user


def check_password_again(
    session: Session, user: User, password: str, *, user_session: UserSession | None
) -> Check:
    """Check a logged-in user's password before a change that needs it (a new password, a token).

    A wrong one is audited against the session; the `WRONG_PASSWORDS_PER_SESSION`th ends the
    session. The caller commits, and throttles the attempts per account and address.
    """
    if verify_password(user.password_hash, password):
        return Check.RIGHT
    failures = 1
    if user_session is not None:
        failures += (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == "password.check_failed",
                    AuditEvent.target_type == UserSession.__tablename__,
                    AuditEvent.target_id == user_session.id,
                )
            )
            or 0
        )
    audit.record(
        session, "password.check_failed", user=user, target=user_session,
        after={"failures_in_session": failures},
    )  # fmt: skip
    if user_session is None or failures < WRONG_PASSWORDS_PER_SESSION:
        return Check.WRONG
    end_session(user_session)
    audit.record(
        session, "logout.wrong_passwords", user=user, target=user, after={"failures": failures}
    )
    return Check.SESSION_ENDED


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke every API token of `user`; return how many were still working."""
    return session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount


def log_out(session: Session, user: User, user_session: UserSession | None) -> None:
    """End this browser's session, so a copy of its cookie no longer works."""
    if user_session is not None:
        end_session(user_session)
    audit.record(session, "logout", user=user, target=user)


def set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)


def change_password(
    session: Session, user: User, password: str, *, current: UserSession | None
) -> Ended:
    """Change the user's own password, end their other sessions and revoke their API tokens.

    A token made in a stolen session must not outlive the password that let the thief in.
    """
    set_password(user, password)
    ended = Ended(end_sessions(session, user, keep=current), revoke_tokens(session, user))
    audit.record(
        session, "password.change", user=user, target=user,
        after={"sessions_ended": ended.sessions, "tokens_revoked": ended.tokens},
    )  # fmt: skip
    return ended


def reset_password(session: Session, user: User, password: str, *, by: User | None) -> Ended:
    """Set someone's password, end all their sessions and revoke their API tokens."""
    set_password(user, password)
    ended = Ended(end_sessions(session, user), revoke_tokens(session, user))
    audit.record(
        session, "password.reset", user=by, target=user,
        after={"sessions_ended": ended.sessions, "tokens_revoked": ended.tokens},
    )  # fmt: skip
    return ended


def set_role(session: Session, user: User, role: Role, *, by: User | None) -> None:
    if by is not None and by.id == user.id:
        raise AccountError(_("You cannot change your own role: ask another admin."))
    if user.role is role:
        return
    before = {"role": user.role.value}
    user.role = role
    audit.record(
        session, "user.role", user=by, target=user, before=before, after={"role": role.value}
    )


def disable_user(session: Session, user: User, *, by: User | None) -> Ended:
    """Disable an account, end all its sessions and revoke its API tokens.

    Re-enabling it gives back neither: its owner logs in and makes new tokens.
    """
    if by is not None and by.id == user.id:
        raise AccountError(_("You cannot disable your own account: ask another admin."))
    ended = Ended(end_sessions(session, user), revoke_tokens(session, user))
    if user.active:
        user.active = False
        after = {"active": False, "sessions_ended": ended.sessions, "tokens_revoked": ended.tokens}
        audit.record(
            session, "user.disable", user=by, target=user, before={"active": True}, after=after
        )
    return ended


def enable_user(session: Session, user: User, *, by: User | None) -> None:
    if user.active:
        return
    user.active = True
    audit.record(
        session, "user.enable", user=by, target=user,
        before={"active": False}, after={"active": True},
    )  # fmt: skip


def set_language(session: Session, user: User, language: str) -> None:
    """Keep the interface language `user` chose for themselves; the audit log keeps the change."""
    if user.language == language:
        return
    before = {"language": user.language}
    user.language = language
    audit.record(
        session,
        "user.language",
        user=user,
        target=user,
        before=before,
        after={"language": language},
    )
