"""Backups that stay consistent while the site writes; restores into an empty database only.

SQLite is copied with its online backup API. PostgreSQL is dumped with `pg_dump
--format=custom` when pg_dump is installed; otherwise, or when asked, the database is exported
logically: a JSON lines file of every table, read in one REPEATABLE READ transaction, with the
Alembic revision of its schema. A logical export restores into SQLite or PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Connection, MetaData, Table, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidRequestError, SQLAlchemyError

from .engine import make_engine
from .models import Base, utcnow

if TYPE_CHECKING:
    from alembic.config import Config

Progress = Callable[[int, int], None]
"""Told how many rows of how many are done."""

LOGICAL_FORMAT = "tracker-logical-backup"
LOGICAL_VERSION = 1
SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
BATCH = 1000


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in one line."""


@dataclass(frozen=True)
class Outcome:
    """What a backup wrote or a restore loaded."""

    kind: str
    revision: str | None = None
    rows: int | None = None


def backend(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def backup(
    url: str,
    path: Path,
    alembic: Config,
    *,
    logical: bool = False,
    progress: Progress | None = None,
) -> Outcome:
    """Write a consistent copy of the database at `url` to `path`, replacing it only when done."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if logical:
            outcome = export_logical(url, partial, alembic, progress)
        elif backend(url) == "sqlite":
            outcome = copy_sqlite(url, partial)
        elif shutil.which("pg_dump"):
            outcome = run_pg_dump(url, partial)
        else:
            outcome = export_logical(url, partial, alembic, progress)
        sync(partial)
        os.replace(partial, path)
        sync(path.parent)
    finally:
        partial.unlink(missing_ok=True)
    return outcome


def restore(url: str, path: Path, alembic: Config, *, progress: Progress | None = None) -> Outcome:
    """Load a backup into the empty database at `url`, then upgrade it to the latest schema."""
    kind = backup_kind(path)
    target = backend(url)
    tables = existing_tables(url)
    if tables:
        raise BackupError(
            f"The database is not empty (it has {len(tables)} tables, {', '.join(tables[:3])}"
            f"{', ...' if len(tables) > 3 else ''}); restore only into an empty database."
        )
    if kind == "logical":
        return import_logical(url, path, alembic, progress)
    if kind == "sqlite":
        if target != "sqlite":
            raise BackupError(
                "A SQLite copy restores into SQLite only; `tracker backup --logical` makes a "
                "backup that restores into PostgreSQL too."
            )
        restore_sqlite(path, url)
        label = "SQLite copy"
    else:
        if target != "postgresql":
            raise BackupError("A pg_dump archive restores into PostgreSQL only.")
        if not shutil.which("pg_restore"):
            raise BackupError("pg_restore is needed to restore a pg_dump archive; install it.")
        dsn, environ = libpq(url)
        run(
            [
                "pg_restore",
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                f"--dbname={dsn}",
                str(path),
            ],
            environ,
        )
        label = "pg_dump archive"
    upgrade(alembic, "head")
    return Outcome(label, head_revision(alembic))


# Formats


def backup_kind(path: Path) -> str:
    """Tell a SQLite copy, a pg_dump archive and a logical export apart by their first bytes."""
    try:
        with open(path, "rb") as file:
            start = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from None
    if start.startswith(SQLITE_HEADER):
        return "sqlite"
    if start.startswith(PG_DUMP_HEADER):
        return "pg_dump"
    if start.startswith(b"{"):
        return "logical"
    raise BackupError(f"{path} is not a Tracker backup.")


# SQLite


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up or restore into.")
    return Path(database)


def copy_sqlite(url: str, target: Path) -> Outcome:
    source = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"There is no SQLite database at {source}.")
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as reader,
            closing(sqlite3.connect(target)) as copy,
        ):
            # In one step, the copy reads a single snapshot however busy the writers are;
            # in several, each write by another connection would start it over.
            reader.backup(copy)
            # One self-contained file, with no write-ahead log beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            revision = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup failed: {error}.") from None
    if verdict != "ok":
        raise BackupError(f"The copy failed SQLite's integrity check: {verdict}.")
    return Outcome("SQLite copy", revision[0] if revision else None)


def restore_sqlite(path: Path, url: str) -> None:
    try:
        with (
            closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as backup,
            closing(sqlite3.connect(sqlite_path(url))) as target,
        ):
            verdict = backup.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"{path} fails SQLite's integrity check: {verdict}.")
            if backup.execute("SELECT version_num FROM alembic_version").fetchone() is None:
                raise BackupError(f"{path} holds no schema revision: it is not a Tracker backup.")
            backup.backup(target)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite restore failed: {error}.") from None


# PostgreSQL's own tools


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """Return a libpq connection URI and an environment holding the password, if any."""
    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environ = dict(os.environ)
    if parsed.password:
        # In the environment, not on the command line, where `ps` would show it.
        environ["PGPASSWORD"] = str(parsed.password)
    return dsn, environ


def run(arguments: list[str], environ: Mapping[str, str]) -> None:
    finished = subprocess.run(arguments, env=environ, capture_output=True, text=True)
    if finished.returncode != 0:
        lines = [line for line in finished.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {finished.returncode}"
        raise BackupError(f"{arguments[0]} failed: {reason}")


def run_pg_dump(url: str, target: Path) -> Outcome:
    dsn, environ = libpq(url)
    # pg_dump reads every table in one snapshot, as writers go on.
    run(["pg_dump", "--format=custom", f"--file={target}", f"--dbname={dsn}"], environ)
    return Outcome("pg_dump archive")


# Logical export and import


def plain(value: Any) -> Any:
    """Make a column's value JSON-ready: dates and timestamps as ISO 8601, vocabulary by value."""
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot export {type(value).__name__}")


def write_line(file: IO[str], record: Mapping[str, Any]) -> None:
    file.write(json.dumps(record, default=plain, ensure_ascii=False, separators=(",", ":")))
    file.write("\n")


def head_revision(alembic: Config) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic).get_current_head()


def export_logical(url: str, target: Path, alembic: Config, progress: Progress | None) -> Outcome:
    head = head_revision(alembic)
    tables = Base.metadata.sorted_tables
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                # Every table as of one moment, however long the export takes.
                connection.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            # On SQLite one read transaction is one snapshot already (WAL).
            with connection.begin():
                if not inspect(connection).has_table("alembic_version"):
                    raise BackupError("The database has no schema yet: run `tracker init`.")
                revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
                if revision != head:
                    raise BackupError(
                        f"The database is at revision {revision}, this Tracker at {head}: "
                        "run `tracker init` first."
                    )
                counts = {
                    table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                    for table in tables
                }
                total = sum(counts.values())
                done = 0
                with open(target, "w", encoding="utf-8") as file:
                    write_line(
                        file,
                        {
                            "format": LOGICAL_FORMAT,
                            "version": LOGICAL_VERSION,
                            "alembic_revision": revision,
                            "dialect": engine.dialect.name,
                            "exported_at": utcnow(),
                            "tables": counts,
                        },
                    )
                    for table in tables:
                        rows = connection.execute(
                            select(table).order_by(*table.primary_key.columns),
                            execution_options={"yield_per": BATCH},
                        )
                        for row in rows.mappings():
                            write_line(file, {"table": table.name, "row": dict(row)})
                            done += 1
                            if progress and done % BATCH == 0:
                                progress(done, total)
                if progress:
                    progress(done, total)
    except SQLAlchemyError as error:
        raise BackupError(f"Export failed: {one_line(error)}") from None
    finally:
        engine.dispose()
    return Outcome("logical export", revision, done)


def read_header(lines: Iterable[str], path: Path) -> dict[str, Any]:
    try:
        header = json.loads(next(iter(lines)))
    except (StopIteration, ValueError):
        header = None
    if not isinstance(header, dict) or header.get("format") != LOGICAL_FORMAT:
        raise BackupError(f"{path} is not a Tracker backup.")
    if header.get("version") != LOGICAL_VERSION:
        raise BackupError(f"{path} is a backup of a format version this Tracker cannot read.")
    return header


def import_logical(url: str, path: Path, alembic: Config, progress: Progress | None) -> Outcome:
    engine = make_engine(url)
    try:
        with open(path, encoding="utf-8") as lines:
            header = read_header(lines, path)
            counts: dict[str, int] = header["tables"]
            # One transaction: a failed restore leaves the database as empty as it was.
            with engine.begin() as connection:
                alembic.attributes["connection"] = connection
                try:
                    # The rows fit the schema they were exported from; migrations move them on.
                    upgrade(alembic, header["alembic_revision"])
                    tables = reflect(connection, list(counts))
                    loader = Loader(connection, tables, order=list(counts))
                    done = loader.load(lines, sum(counts.values()), progress)
                    if {name: done.get(name, 0) for name in counts} != counts:
                        raise BackupError(
                            f"{path} is incomplete: its rows do not match its header."
                        )
                    loader.fill_forward_references()
                    if connection.dialect.name == "postgresql":
                        reset_sequences(connection, tables.values())
                    upgrade(alembic, "head")
                finally:
                    del alembic.attributes["connection"]
    except SQLAlchemyError as error:
        raise BackupError(f"Restore failed: {one_line(error)}") from None
    except (ValueError, KeyError) as error:
        raise BackupError(f"{path} is damaged: {error}.") from None
    finally:
        engine.dispose()
    return Outcome("logical export", head_revision(alembic), sum(counts.values()))


def reflect(connection: Connection, names: list[str]) -> dict[str, Table]:
    """Read the tables `names` as the schema has them now, at the backup's revision."""
    metadata = MetaData()
    try:
        metadata.reflect(connection, only=names)
    except InvalidRequestError as error:
        raise BackupError(f"The backup holds a table its schema lacks: {error}") from None
    return {name: metadata.tables[name] for name in names}


def forward_references(tables: Mapping[str, Table], order: list[str]) -> dict[str, list[str]]:
    """Name each table's columns that refer to a table the export writes later, or to itself.

    The export writes parents first, but a cycle of foreign keys (an update belongs to a
    recommendation that points at its current update) has one reference going forwards.
    """
    position = {name: index for index, name in enumerate(order)}
    forward: dict[str, list[str]] = {}
    for name, table in tables.items():
        for constraint in table.foreign_key_constraints:
            if position.get(constraint.referred_table.name, -1) >= position[name]:
                forward.setdefault(name, []).extend(constraint.column_keys)
    return forward


class Loader:
    """Insert exported rows in the file's order, in batches, within the caller's transaction."""

    def __init__(self, connection: Connection, tables: Mapping[str, Table], order: list[str]):
        self.connection = connection
        self.tables = tables
        self.readers = {name: row_reader(table) for name, table in tables.items()}
        self.forward = forward_references(tables, order)
        # Per table: (primary key, forward references) of rows inserted with them left empty.
        self.pending: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}

    def load(self, lines: Iterable[str], total: int, progress: Progress | None) -> dict[str, int]:
        """Insert every row; count them by table."""
        counts: dict[str, int] = {}
        batch: list[dict[str, Any]] = []
        current: Table | None = None
        done = 0
        for line in lines:
            record = json.loads(line)
            name = record["table"]
            table = self.tables.get(name)
            if table is None:
                raise BackupError(f"The backup holds rows of a table its header omits: {name}.")
            if table is not current:
                self.insert(current, batch)
                batch, current = [], table
            batch.append(self.read(name, record["row"]))
            counts[name] = counts.get(name, 0) + 1
            done += 1
            if len(batch) >= BATCH:
                self.insert(table, batch)
                batch = []
                if progress:
                    progress(done, total)
        self.insert(current, batch)
        if progress:
            progress(done, total)
        return counts

    def read(self, name: str, exported: dict[str, Any]) -> dict[str, Any]:
        row = self.readers[name](exported)
        later = {
            column: row[column]
            for column in self.forward.get(name, ())
            if row.get(column) is not None
        }
        if later:
            table = self.tables[name]
            key = {column.name: row[column.name] for column in table.primary_key.columns}
            self.pending.setdefault(name, []).append((key, later))
            row.update(dict.fromkeys(later))
        return row

    def insert(self, table: Table | None, batch: list[dict[str, Any]]) -> None:
        if table is not None and batch:
            self.connection.execute(table.insert(), batch)

    def fill_forward_references(self) -> None:
        """Set the references left empty, now that every row they point at is in."""
        for name, rows in self.pending.items():
            table = self.tables[name]
            for key, values in rows:
                match = [table.c[column] == value for column, value in key.items()]
                self.connection.execute(table.update().where(*match).values(values))


def row_reader(table: Table) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Turn a row as exported back into values for `table`'s columns (dates from ISO 8601)."""
    parsers: dict[str, Callable[[str], Any]] = {}
    for column in table.columns:
        try:
            kind = column.type.python_type
        except NotImplementedError:
            continue
        if kind is dt.datetime:
            parsers[column.name] = dt.datetime.fromisoformat
        elif kind is dt.date:
            parsers[column.name] = dt.date.fromisoformat

    def read(row: dict[str, Any]) -> dict[str, Any]:
        unknown = set(row) - set(table.columns.keys())
        if unknown:
            raise BackupError(f"The backup has columns {table.name} lacks: {sorted(unknown)}.")
        return {
            key: parsers[key](value) if key in parsers and isinstance(value, str) else value
            for key, value in row.items()
        }

    return read


def reset_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """Point each id sequence past the highest id loaded, so the next insert does not collide."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quote(table.name), "column": column.name},
            )
            if sequence:
                connection.execute(
                    text(
                        f"SELECT setval(:sequence, COALESCE(MAX({quote(column.name)}), 0) + 1, "
                        f"false) FROM {quote(table.name)}"
                    ),
                    {"sequence": sequence},
                )


# Both


def existing_tables(url: str) -> list[str]:
    """List the tables of the database at `url`, without creating a SQLite file."""
    if backend(url) == "sqlite":
        path = sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return []
        try:
            with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
                rows = db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                ).fetchall()
        except sqlite3.Error as error:
            raise BackupError(f"Cannot read the database at {path}: {error}.") from None
        return [name for (name,) in rows]
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    except SQLAlchemyError as error:
        raise BackupError(f"Cannot reach the database: {one_line(error)}") from None
    finally:
        engine.dispose()


def upgrade(alembic: Config, revision: str) -> None:
    from alembic import command
    from alembic.util import CommandError

    try:
        command.upgrade(alembic, revision)
    except CommandError as error:
        raise BackupError(f"Cannot bring the schema to {revision}: {error}.") from None


def one_line(error: SQLAlchemyError) -> str:
    """Say what the database said, without the SQL and the links SQLAlchemy adds."""
    cause = getattr(error, "orig", None) or error
    words = " ".join(str(cause).split())
    return f"{type(cause).__name__}: {words}" if words else type(cause).__name__


def sync(path: Path) -> None:
    """Flush a file, or a directory's entries, to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
