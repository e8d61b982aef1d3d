"""`tracker reindex`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..cli import counted
from ..db import get_session
from .index import rebuild


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild SQLite's search index from the database (PostgreSQL's needs no rebuild)."""
    db = get_session()
    if db.get_bind().dialect.name != "sqlite":
        click.echo("PostgreSQL's search indexes follow the rows by themselves: nothing to do.")
        return
    entries = rebuild(db.connection())
    db.commit()
    click.echo(f"Search index rebuilt: {counted(entries, 'entries')}.")
