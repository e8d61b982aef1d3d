"""The commands of the whole application: `tracker init`, `serve`, `backup` and `restore`.

Each area registers its own from its `init_app` (`users` in auth, `export` and `import` in
exchange, `reindex` in search); `tracker.cli` is the command that holds them all.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .auth.services import count_users
from .auth.views import first_admin_link
from .backup import BackupError, Outcome, backup, restore
from .cli import counted, progress_bar
from .db import get_session
from .schema import alembic_config
from .seeds import SeedError, load_seeds, read_seeds
from .serving import serve_command


def init_app(app: Flask) -> None:
    for command in (init_command, serve_command, backup_command, restore_command):
        app.cli.add_command(command)


def site_address(host: str, port: int) -> str:
    """Where the site is reached: TRACKER_BASE_URL when set, else the address it is served on."""
    if current_app.config.get("BASE_URL"):
        return current_app.config["BASE_URL"]
    # Listening on every address: this machine reaches it on the loopback one.
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


@click.command("init")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Where the site will be served."
)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def init_command(host: str, port: int) -> None:
    """Upgrade the database to the latest schema, then load the seeded sources.

    The link to create the first admin account names TRACKER_BASE_URL if it is set,
    otherwise the host and port the site will be served on.
    """
    from alembic import command as alembic  # not with the module: see `alembic_config`

    alembic.upgrade(alembic_config(current_app.config["DATABASE_URL"]), "head")
    db = get_session()
    try:
        changes = load_seeds(db, read_seeds())
    except SeedError as error:
        raise click.ClickException(f"seeds: {error}") from None
    db.commit()
    summary = ", ".join(counted(count, what) for what, count in sorted(changes.items()))
    click.echo(f"Database ready. Seeds: {summary or 'nothing changed'}.")
    if count_users(db) == 0:
        with current_app.test_request_context(base_url=site_address(host, port)):
            link = first_admin_link()
        click.echo(f"No account yet. Create the first admin account at:\n\n    {link}\n")


def describe(outcome: Outcome) -> str:
    details = [outcome.kind]
    if outcome.rows is not None:
        details.append(counted(outcome.rows, "rows"))
    if outcome.revision:
        details.append(f"schema revision {outcome.revision}")
    return ", ".join(details)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--logical",
    is_flag=True,
    help="Write a JSON lines export, which restores into SQLite or PostgreSQL alike.",
)
@with_appcontext
def backup_command(file: Path, logical: bool) -> None:
    """Copy the database to FILE, consistently, while the site keeps writing."""
    url = current_app.config["DATABASE_URL"]
    try:
        with progress_bar("Exporting rows") as progress:
            outcome = backup(url, file, alembic_config(url), logical=logical, progress=progress)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up the database to {file} ({describe(outcome)}).")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Load a backup made by `tracker backup` into an empty database."""
    url = current_app.config["DATABASE_URL"]
    try:
        with progress_bar("Loading rows") as progress:
            outcome = restore(url, file, alembic_config(url), progress=progress)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {file} ({describe(outcome)}).")
