"""The `tracker` command as users meet it."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.cli import counted
from tracker.models import AuditEvent, User
from tracker.vocabulary import Role

from .helpers import PASSWORD


def test_users_create_from_stdin_and_list(runner, db: Session) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Ana@Example.org",
            "--role",
            "analyst",
            "--name",
            "Ana Lyst",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created ana@example.org (Analyst)." in result.output
    listing = runner.invoke(args=["users", "list"])
    assert "ana@example.org\tAna Lyst\tanalyst" in listing.output
    assert db.scalars(select(User)).one().role is Role.ANALYST


def test_users_create_with_prompt(runner, db: Session) -> None:
    result = runner.invoke(
        args=["users", "create", "p@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert db.scalars(select(User.role)).one() is Role.VIEWER


def test_short_password_fails_with_one_clear_line(runner, db: Session) -> None:
    result = runner.invoke(
        args=["users", "create", "s@example.org", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1
    assert result.output.strip() == "Error: password: Use at least 12 characters."
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_duplicate_email_fails_and_changes_nothing(runner, db: Session, make_user) -> None:
    user = make_user(Role.EDITOR)
    result = runner.invoke(
        args=["users", "create", user.email.upper(), "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 1
    assert f"A user with the email {user.email} already exists." in result.output
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_unknown_role_is_refused(runner) -> None:
    result = runner.invoke(
        args=["users", "create", "r@example.org", "--role", "king", "--password-stdin"],
        input=PASSWORD,
    )
    assert result.exit_code == 2
    assert "'king' is not one of" in result.output


def reread(db: Session, user: User) -> None:
    """Read the user again, outside any snapshot from before the command."""
    db.rollback()
    db.refresh(user)


def test_users_set_role(runner, db: Session, make_user) -> None:
    user = make_user(Role.VIEWER, email="vic@example.org")
    result = runner.invoke(args=["users", "set-role", "VIC@example.org", "editor"])
    assert result.exit_code == 0, result.output
    assert "vic@example.org is now Editor." in result.output
    reread(db, user)
    assert user.role is Role.EDITOR
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.user_id, event.after) == ("user.role", None, {"role": "editor"})


def test_users_set_role_refuses_an_unknown_role(runner, db: Session, make_user) -> None:
    user = make_user(Role.VIEWER)
    result = runner.invoke(args=["users", "set-role", user.email, "king"])
    assert result.exit_code == 2
    assert "'king' is not one of" in result.output
    reread(db, user)
    assert user.role is Role.VIEWER


@pytest.mark.parametrize(
    "args",
    [
        ["users", "set-role", "nobody@example.org", "admin"],
        ["users", "disable", "nobody@example.org"],
        ["users", "enable", "nobody@example.org"],
        ["users", "reset-password", "nobody@example.org", "--password-stdin"],
    ],
)
def test_an_unknown_email_fails_with_one_clear_line(runner, args: list[str]) -> None:
    result = runner.invoke(args=args, input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: No user has the email nobody@example.org."


def test_users_disable_ends_the_sessions_and_enable_undoes_it(
    app: Flask, runner, db: Session, make_user
) -> None:
    user = make_user(Role.ANALYST)
    client = app.test_client()
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    result = runner.invoke(args=["users", "disable", user.email])
    assert result.exit_code == 0, result.output
    assert f"Disabled {user.email}; sessions ended: 1." in result.output
    assert client.get("/").status_code == 302
    reread(db, user)
    assert user.active is False
    assert "(disabled)" in runner.invoke(args=["users", "list"]).output

    result = runner.invoke(args=["users", "enable", user.email])
    assert result.exit_code == 0, result.output
    reread(db, user)
    assert user.active is True
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )


def test_users_reset_password_from_stdin_ends_the_sessions(
    app: Flask, runner, db: Session, make_user
) -> None:
    user = make_user(Role.VIEWER)
    client = app.test_client()
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    new = "a fresh passphrase for vera"
    result = runner.invoke(
        args=["users", "reset-password", user.email, "--password-stdin"], input=new + "\n"
    )
    assert result.exit_code == 0, result.output
    assert f"Password reset for {user.email}; sessions ended: 1." in result.output
    assert client.get("/").status_code == 302
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    )
    assert client.post("/login", data={"email": user.email, "password": new}).status_code == 302
    db.rollback()
    actions = db.scalars(select(AuditEvent.action)).all()
    assert "password.reset" in actions


def test_users_reset_password_with_prompt(runner, make_user) -> None:
    user = make_user(Role.VIEWER)
    new = "another fresh passphrase"
    result = runner.invoke(args=["users", "reset-password", user.email], input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output


def test_users_reset_password_refuses_a_common_password(runner, db: Session, make_user) -> None:
    user = make_user(Role.VIEWER)
    before = user.password_hash
    result = runner.invoke(
        args=["users", "reset-password", user.email, "--password-stdin"], input="1q2w3e4r5t6y\n"
    )
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == "Error: password: That password is one of the most common: choose another."
    )
    reread(db, user)
    assert user.password_hash == before


def test_the_setup_link_names_the_port_served_or_the_base_url(app, runner) -> None:
    result = runner.invoke(args=["init", "--port", "5077"])
    assert result.exit_code == 0, result.output
    assert re.search(r"http://127\.0\.0\.1:5077/setup/\S+", result.output), result.output
    result = runner.invoke(args=["init", "--host", "0.0.0.0", "--port", "8080"])
    assert re.search(r"http://127\.0\.0\.1:8080/setup/\S+", result.output), result.output
    app.config["BASE_URL"] = "https://tracker.example.org"
    result = runner.invoke(args=["init", "--port", "5077"])
    assert re.search(r"https://tracker\.example\.org/setup/\S+", result.output), result.output


@pytest.mark.parametrize(
    "n, label, said",
    [
        (1, "rows", "1 row"),
        (12_000, "rows", "12,000 rows"),
        (1, "entries", "1 entry"),
        (0, "entries", "0 entries"),
        (1, "status updates corrected", "1 status update corrected"),
        (2, "status updates corrected", "2 status updates corrected"),
    ],
)
def test_commands_count_in_the_singular_for_one(n: int, label: str, said: str) -> None:
    assert counted(n, label) == said
