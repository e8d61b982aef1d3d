"""`tracker export` and `tracker import`."""

from __future__ import annotations

import gc
import io
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.orm import Session

from ..bulk import loads_together
from ..cli import counted, progress_bar
from ..db import get_session
from .exporting import dump_json, export_document, write_csv
from .importing import Outcome, apply, read_document

KINDS = click.Choice(["json", "csv"])


@click.command("export")
@click.option(
    "--format",
    "kind",
    type=KINDS,
    default="json",
    show_default=True,
    help="json: the whole database; csv: status updates, a row per item of evidence.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@with_appcontext
def export_command(kind: str, output: Path | None) -> None:
    """Export the database as JSON, or its status updates with their evidence as CSV."""
    db = get_session()
    if kind == "json":
        exported = dump_json(export_document(db))
    else:
        buffer = io.StringIO(newline="")
        write_csv(db, buffer)
        exported = buffer.getvalue()
    if output is None:
        click.echo(exported, nl=False)
        return
    output.write_text(exported, encoding="utf-8", newline="")
    click.echo(f"Exported to {output}.", err=True)


@click.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--format", "kind", type=KINDS, help="The files' format (default: from each one's extension)."
)
@click.option("--dry-run", is_flag=True, help="Check the files and report, changing nothing.")
@click.option(
    "--correct",
    is_flag=True,
    help="Record an update whose key is stored but whose judgement or evidence differs as a "
    "correction of it (a new revision), instead of refusing the file.",
)
@with_appcontext
def import_command(files: tuple[Path, ...], kind: str | None, dry_run: bool, correct: bool) -> None:
    """Import JSON or CSV files like `tracker export` makes: all of them, or nothing if wrong.

    The files are read and applied in the order given, in one transaction: a later file may
    refer to what an earlier one adds, and the first file with an error stops the import.
    """
    db = get_session()
    # Take SQLite's write lock up front: an import reads first, then writes.
    db.connection(execution_options={"sqlite_immediate": True})
    added = 0
    reports = []
    with loads_together(db):  # each file is a load: the indexes are built once, at the end
        for number, file in enumerate(files):
            outcome = import_file(db, file, kind, correct)
            if outcome.problems:
                db.rollback()
                click.echo(
                    f"{file}: {counted(len(outcome.problems), 'errors')}; nothing was imported.",
                    err=True,
                )
                for problem in outcome.problems:
                    click.echo(f"  {problem}", err=True)
                unread = len(files) - number - 1
                if unread:
                    click.echo(f"Not read, after it: {counted(unread, 'files')}.", err=True)
                sys.exit(1)
            added += outcome.counts["status updates added"]
            reports.append((file, summary(outcome.counts)))
    if dry_run:
        db.rollback()
        said = [f"Dry run: {file} has no error; it would add {report}." for file, report in reports]
        click.echo("\n".join(said) + " Nothing was changed.")
        return
    db.commit()
    if added >= LARGE_IMPORT:
        # The query planner chooses by the tables' statistics, which a large import outdates:
        # PostgreSQL may scan every update where it would otherwise look up a few.
        db.execute(text("ANALYZE"))
        db.commit()
    for file, report in reports:
        click.echo(f"Imported {file}: {report}.")


def import_file(db: Session, file: Path, kind: str | None, correct: bool) -> Outcome:
    """Read one file and apply it in the import's transaction; its outcome says what it adds."""
    try:
        content = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        db.rollback()
        raise click.ClickException(f"{file} is not UTF-8 text: {error}.") from None
    with collector_paused():
        document = read_document(
            content, kind or ("csv" if file.suffix.lower() == ".csv" else "json")
        )
        del content
        with progress_bar("Importing status updates") as progress:
            return apply(db, document, source_name=file.name, progress=progress, correct=correct)


# Updates an import must add before the database's statistics are gathered again.
LARGE_IMPORT = 10_000


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of the block.

    An import builds millions of objects, which all live until it ends: each of the
    collector's passes would scan them again, for nothing, and together take longer than
    the import itself. They are freed by reference counting, or at the next pass after.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def summary(counts: Counter[str]) -> str:
    added = [
        counted(n, label.removesuffix(" added"))
        for label, n in counts.items()
        if n and label.endswith(" added")
    ]
    other = [counted(n, label) for label, n in counts.items() if n and not label.endswith(" added")]
    return "; ".join([", ".join(added) or "nothing new", *other])
