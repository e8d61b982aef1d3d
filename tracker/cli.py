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
from .auth.services import AccountError, count_users, create_user
from .auth.views import first_admin_link
from .db import get_session
from .models import User
from .seeds import SeedError, load_seeds, read_seeds
from .vocabulary import Role

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@click.group(cls=FlaskGroup, create_app=create_app)
def cli() -> None:
    """Track policy recommendations and what happened to them."""


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(users)


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


@users.command("create")
@click.argument("email")
@click.option("--name", help="Full name (default: the part of the email before @).")
@click.option(
    "--role", type=click.Choice([role.value for role in Role]), default=Role.VIEWER.value,
    show_default=True,
)  # fmt: skip
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, name: str | None, role: str, password_stdin: bool) -> None:
    """Create a user account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem:
        raise click.ClickException(f"password: {problem}")
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
