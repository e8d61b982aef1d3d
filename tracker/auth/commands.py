"""`tracker users`: managing accounts from the console."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import get_session
from ..models import User
from ..vocabulary import Role
from .passwords import password_problem
from .services import (
    AccountError,
    create_user,
    disable_user,
    enable_user,
    find_user,
    normalise_email,
    reset_password,
    set_role,
)

users = AppGroup("users", help="Manage user accounts.")

ROLE_CHOICE = click.Choice([role.value for role in Role])


def read_new_password(from_stdin: bool) -> str:
    """Read a new password from standard input or a prompt, refusing a weak one."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem:
        raise click.ClickException(f"password: {problem}")
    return password


def existing_user(email: str) -> User:
    user = find_user(get_session(), email)
    if user is None:
        raise click.ClickException(f"No user has the email {normalise_email(email)}.")
    return user


@users.command("create")
@click.argument("email")
@click.option("--name", help="Full name (default: the part of the email before @).")
@click.option("--role", type=ROLE_CHOICE, default=Role.VIEWER.value, show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, name: str | None, role: str, password_stdin: bool) -> None:
    """Create a user account."""
    password = read_new_password(password_stdin)
    db = get_session()
    try:
        user = create_user(db, email, name or email.split("@")[0], password, Role(role), by=None)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.commit()
    click.echo(f"Created {user.email} ({user.role.label}).")


@users.command("list")
def list_users() -> None:
    """List user accounts."""
    for user in get_session().scalars(select(User).order_by(User.email)):
        state = "" if user.active else "  (disabled)"
        click.echo(f"{user.email}\t{user.name}\t{user.role.value}{state}")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
def set_role_command(email: str, role: str) -> None:
    """Give a user another role."""
    user = existing_user(email)
    db = get_session()
    set_role(db, user, Role(role), by=None)
    db.commit()
    click.echo(f"{user.email} is now {user.role.label}.")


@users.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account, log it out everywhere, revoke its API tokens; nothing is deleted."""
    user = existing_user(email)
    db = get_session()
    ended = disable_user(db, user, by=None)
    db.commit()
    click.echo(f"Disabled {user.email}; {ended}.")


@users.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Let a disabled account log in again."""
    user = existing_user(email)
    db = get_session()
    enable_user(db, user, by=None)
    db.commit()
    click.echo(f"Enabled {user.email}.")


@users.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def reset_password_command(email: str, password_stdin: bool) -> None:
    """Set a user's password, log them out everywhere and revoke their API tokens."""
    user = existing_user(email)
    password = read_new_password(password_stdin)
    db = get_session()
    ended = reset_password(db, user, password, by=None)
    db.commit()
    click.echo(f"Password reset for {user.email}; {ended}.")
