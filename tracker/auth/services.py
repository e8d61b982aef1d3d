"""Accounts: creating users and checking their credentials."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..models import User
from ..vocabulary import Role
from .passwords import hash_password, needs_rehash, verify_password


class AccountError(ValueError):
    """An account operation that cannot be done, with a message for the user."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalise_email(email))).first()


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def create_user(
    session: Session, email: str, name: str, password: str, role: Role, *, by: User | None
) -> User:
    if find_user(session, email) is not None:
        raise AccountError(f"A user with the email {normalise_email(email)} already exists.")
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.create",
        user=by or user,
        target=user,
        after={"email": user.email, "name": user.name, "role": user.role.value},
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
