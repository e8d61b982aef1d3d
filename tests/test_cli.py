"""The `tracker` command as users meet it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.models import User
from tracker.vocabulary import Role

from .helpers import PASSWORD


def test_users_create_from_stdin_and_list(runner, db: Session) -> None:
    result = runner.invoke(
        args=["users", "create", "Ana@Example.org", "--role", "analyst", "--name", "Ana Lyst", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created ana@example.org (Analyst)." in result.output
    listing = runner.invoke(args=["users", "list"])
    assert "ana@example.org\tAna Lyst\tanalyst" in listing.output
    assert db.scalars(select(User)).one().role is Role.ANALYST


def test_users_create_with_prompt(runner, db: Session) -> None:
    result = runner.invoke(args=["users", "create", "p@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert db.scalars(select(User.role)).one() is Role.VIEWER


def test_short_password_fails_with_one_clear_line(runner, db: Session) -> None:
    result = runner.invoke(args=["users", "create", "s@example.org", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: password: Use at least 12 characters."
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_duplicate_email_fails_and_changes_nothing(runner, db: Session, make_user) -> None:
    user = make_user(Role.EDITOR)
    result = runner.invoke(args=["users", "create", user.email.upper(), "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert f"A user with the email {user.email} already exists." in result.output
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_unknown_role_is_refused(runner) -> None:
    result = runner.invoke(args=["users", "create", "r@example.org", "--role", "king", "--password-stdin"], input=PASSWORD)
    assert result.exit_code == 2
    assert "'king' is not one of" in result.output
