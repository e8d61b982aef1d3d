"""The `tracker` command: Flask's commands plus Tracker's own."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import select

from . import create_app
from .auth.passwords import password_problem
from .auth.services import (
    AccountError,
    count_users,
    create_user,
    disable_user,
    enable_user,
    find_user,
    normalise_email,
    reset_password,
    set_role,
)
from .auth.views import first_admin_link
from .backup_cli import backup_command, restore_command
from .db import get_session
from .exchange.cli import export_command, import_command
from .models import User
from .search.commands import reindex_command
from .seeds import SeedError, load_seeds, read_seeds
from .serving import serve_command
from .vocabulary import Role

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@click.group(cls=FlaskGroup, create_app=create_app)
def cli() -> None:
    """Track policy recommendations and what happened to them."""


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(users)
    app.cli.add_command(serve_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
    app.cli.add_command(reindex_command)


def alembic_config(database_url: str) -> Config:
    """Point Alembic at `database_url` without letting it reset the application's logging."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Upgrade the database to the latest schema, then load the seeded sources."""
    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), "head")
    db = get_session()
    try:
        changes = load_seeds(db, read_seeds())
    except SeedError as error:
        raise click.ClickException(f"seeds: {error}") from None
    db.commit()
    summary = ", ".join(f"{count} {what}" for what, count in sorted(changes.items()))
    click.echo(f"Database ready. Seeds: {summary or 'nothing changed'}.")
    if count_users(db) == 0:
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            link = first_admin_link()
        click.echo(f"No account yet. Create the first admin account at:\n\n    {link}\n")


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
