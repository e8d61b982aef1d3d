"""`tracker backup` and `tracker restore`: the commands around tracker.backup."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from .backup import BackupError, Outcome, Progress, backup, restore


@contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    """Show a progress bar on standard error once the work knows how much there is."""
    bar: Any = None  # a click.progressbar, once the total is known

    def report(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
        bar.update(done - bar.pos)

    try:
        yield report
    finally:
        if bar is not None:
            bar.render_finish()


def describe(outcome: Outcome) -> str:
    details = [outcome.kind]
    if outcome.rows is not None:
        details.append(f"{outcome.rows:,} rows")
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
    # Imported here: tracker.cli imports this module to register its commands.
    from .cli import alembic_config

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
    from .cli import alembic_config

    url = current_app.config["DATABASE_URL"]
    try:
        with progress_bar("Loading rows") as progress:
            outcome = restore(url, file, alembic_config(url), progress=progress)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {file} ({describe(outcome)}).")
