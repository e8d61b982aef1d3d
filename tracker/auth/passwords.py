"""Password hashing with argon2id."""

from __future__ import annotations

import secrets
from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

hasher = PasswordHasher()

MIN_LENGTH = 12
MAX_LENGTH = 128

# What an account with no usable password holds: no argon2 hash starts with it.
UNUSABLE = "!"


@cache
def dummy_hash() -> str:
    """A hash to verify against when the account has no password, so every case takes as long.

    Made when first needed: hashing costs half a second, which a command that checks no
    password should not pay.
    """
    return hasher.hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    return hasher.hash(password)


def unusable_password() -> str:
    """A password hash that no password matches: the account needs one set to log in."""
    return UNUSABLE + secrets.token_urlsafe(24)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check `password`; an unknown account (None) or one with no usable password costs the
    same time and fails."""
    usable = password_hash is not None and not password_hash.startswith(UNUSABLE)
    try:
        return hasher.verify(password_hash if usable else dummy_hash(), password) and usable
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    """Read the shipped list of common passwords, lower-cased."""
    text = files(__package__).joinpath("common_passwords.txt").read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Say what is wrong with a new password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(number)s characters.", number=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(number)s characters.", number=MAX_LENGTH)
    if password.lower() in common_passwords():
        return _("That password is one of the most common: choose another.")
    return None
