"""`tracker backup` while a writer writes, `tracker restore` into an empty database.

Each test compares what the backup file itself holds with what the restored database holds,
table by table and row by row, and checks the backup caught no write half-done.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.runtime.migration import MigrationContext
from click.testing import Result
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from tracker import create_app
from tracker.backup import backup_kind, head_revision, plain
from tracker.db import get_engine
from tracker.engine import make_engine
from tracker.models import Base, Recommendation, User
from tracker.schema import alembic_config
from tracker.status_updates import EvidenceInput, record_status_update
from tracker.vocabulary import Confidence, Credibility, Reliability, Stance, Status

from .conftest import fresh_postgres_database
from .helpers import SLUG, WRITER_EMAIL, add_updates, prepare_served_database

Rows = dict[str, list[dict[str, Any]]]


class Writer(threading.Thread):
    """Log status updates, one transaction each, until stopped."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(database_url)
        self.committed = 0
        self.error: BaseException | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            # As a write request does: on SQLite, take the write lock up front.
            with Session(self.engine.execution_options(sqlite_immediate=True)) as session:
                author = session.scalars(select(User).where(User.email == WRITER_EMAIL)).one()
                recommendation = session.scalars(
                    select(Recommendation).where(Recommendation.slug == SLUG)
                ).one()
                while not self.stopping.is_set():
                    record_status_update(
                        session,
                        recommendation,
                        author=author,
                        status=Status.IN_PROGRESS,
                        as_of=dt.date(2021, 10, 10),
                        assessment=f"Written during the backup, number {self.committed}.",
                        confidence=Confidence.MODERATE,
                        evidence=[
                            EvidenceInput(
                                url="https://news.example.org/backup",
                                title="During the backup",
                                publisher="Example News",
                                excerpt="Quoted words.",
                                stance=Stance.SUPPORTS,
                                reliability=Reliability.B,
                                credibility=Credibility.PROBABLE,
                            )
                        ],
                    )
                    session.commit()
                    self.committed += 1
        except BaseException as error:  # reported by finish(), in the test's thread
            self.error = error

    def wait_for(self, committed: int) -> None:
        """Wait until `committed` updates are in, within bounds."""
        for _ in range(600):
            if self.committed >= committed or not self.is_alive():
                break
            time.sleep(0.05)
        assert self.committed >= committed, f"the writer stalled: {self.error!r}"

    def finish(self) -> None:
        self.stopping.set()
        self.join(timeout=60)
        self.engine.dispose()
        assert not self.is_alive(), "the writer hung"
        if self.error is not None:
            raise self.error


@contextmanager
def writing(database_url: str) -> Iterator[Writer]:
    writer = Writer(database_url)
    writer.start()
    try:
        yield writer
    finally:
        writer.finish()


def tracker(database_url: str, *arguments: str) -> Result:
    """Run a `tracker` command against `database_url`, as the CLI does."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url})
    try:
        return app.test_cli_runner().invoke(args=list(arguments))
    finally:
        get_engine(app).dispose()


@contextmanager
def empty_target(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of `backend` to restore into."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    else:
        with fresh_postgres_database() as url:
            yield url


# Reading databases and backups the same way, to compare them


def canonical(rows: Rows) -> Rows:
    def key(row: dict[str, Any]) -> str:
        return json.dumps(row, sort_keys=True)

    return {table: sorted(table_rows, key=key) for table, table_rows in rows.items()}


def database_rows(database_url: str, *, plain_engine: bool = False) -> Rows:
    """Every row of every table, as the logical export writes it."""
    engine = create_engine(database_url) if plain_engine else make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = {
                table.name: [
                    json.loads(json.dumps(dict(row), default=plain))
                    for row in connection.execute(select(table)).mappings()
                ]
                for table in Base.metadata.sorted_tables
            }
            version = connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()
    rows["alembic_version"] = [{"version_num": version}]
    return canonical(rows)


def sqlite_backup_rows(path: Path) -> Rows:
    # Read-only, and without the app's pragmas: reading must not change the backup.
    return database_rows(f"sqlite:///file:{path}?mode=ro&uri=true", plain_engine=True)


def logical_backup_rows(path: Path) -> Rows:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    rows: Rows = {name: [] for name in header["tables"]}
    for line in lines[1:]:
        record = json.loads(line)
        rows[record["table"]].append(record["row"])
    rows["alembic_version"] = [{"version_num": header["alembic_revision"]}]
    return canonical(rows)


COPY_HEADER = re.compile(r'^COPY public\.("?)(\w+)\1 \((.*)\) FROM stdin;$')


def columns(listed: str) -> list[str]:
    return [name.strip().strip('"') for name in listed.split(",")]


def pg_dump_rows(path: Path) -> tuple[Rows, dict[str, list[str]]]:
    """The rows of a pg_dump archive, as the text COPY writes, and each table's columns."""
    script = subprocess.run(
        ["pg_restore", "--data-only", "--file=-", str(path)],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    rows: Rows = {}
    table_columns: dict[str, list[str]] = {}
    table: str | None = None
    for line in script.splitlines():
        header = COPY_HEADER.match(line)
        if header:
            table = header.group(2)
            table_columns[table] = columns(header.group(3))
            rows[table] = []
        elif line == "\\.":
            table = None
        elif table is not None:
            rows[table].append(dict(zip(table_columns[table], line.split("\t"), strict=True)))
    return canonical(rows), table_columns


def copy_rows(database_url: str, table_columns: dict[str, list[str]]) -> Rows:
    """The rows of a PostgreSQL database, as the text COPY writes, in UTC as the dump is."""
    engine = make_engine(database_url)
    rows: Rows = {}
    try:
        with engine.connect() as connection:
            connection.execute(text("SET TIME ZONE 'UTC'"))
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cursor:
                for table, names in table_columns.items():
                    listed = ", ".join(f'"{name}"' for name in names)
                    with cursor.copy(f'COPY public."{table}" ({listed}) TO STDOUT') as copy:
                        data = b"".join(bytes(block) for block in copy).decode()
                    rows[table] = [
                        dict(zip(names, line.split("\t"), strict=True))
                        for line in data.splitlines()
                    ]
    finally:
        engine.dispose()
    return canonical(rows)


def half_writes(rows: Rows) -> dict[str, set[str]]:
    """Writes caught half-done: an update without its evidence, revision or audit event."""
    updates = {str(row["id"]) for row in rows["status_update"]}
    evidence = {str(row["update_id"]) for row in rows["evidence"]}
    revisions = {str(row["update_id"]) for row in rows["status_revision"]}
    audited = {
        str(row["target_id"])
        for row in rows["audit_event"]
        if row["action"] == "status_update.create"
    }
    return {
        "updates without evidence": updates - evidence,
        "evidence without update": evidence - updates,
        "updates without revision": updates - revisions,
        "revisions without update": revisions - updates,
        "updates without audit event": updates - audited,
        "audit events without update": audited - updates,
    }


def schema_revision(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def counts(rows: Rows) -> dict[str, int]:
    return {table: len(table_rows) for table, table_rows in rows.items()}


# The tests


def back_up_while_writing_and_restore(
    source: str, target: str, path: Path, *options: str
) -> tuple[str, Rows]:
    """Back up `source` while a writer writes, restore into `target`, compare the two.

    Return the kind of backup written and what it holds.
    """
    prepare_served_database(source)
    with writing(source) as writer:
        writer.wait_for(5)
        result = tracker(source, "backup", str(path), *options)
        during = writer.committed
        writer.wait_for(during + 5)  # the writer went on after the backup
    after = writer.committed
    assert result.exit_code == 0, result.output or repr(result.exception)
    assert not list(path.parent.glob("*.partial"))

    kind = backup_kind(path)
    if kind == "pg_dump":
        backup_rows, table_columns = pg_dump_rows(path)

        def read_restored(url: str) -> Rows:
            return copy_rows(url, table_columns)
    else:
        backup_rows = sqlite_backup_rows(path) if kind == "sqlite" else logical_backup_rows(path)
        read_restored = database_rows

    # The backup is one moment: some of the writer's updates, each whole, and not the later.
    assert 0 < len(backup_rows["status_update"]) <= during < after
    assert len(database_rows(source)["status_update"]) == after
    assert half_writes(backup_rows) == dict.fromkeys(half_writes(backup_rows), set())

    restored = tracker(target, "restore", str(path))
    assert restored.exit_code == 0, restored.output or repr(restored.exception)
    assert "Restored" in restored.output
    restored_rows = read_restored(target)
    assert counts(restored_rows) == counts(backup_rows)
    for table, rows in backup_rows.items():
        assert restored_rows[table] == rows, f"{table} differs from the backup"
    assert schema_revision(target) == head_revision(alembic_config(target))

    # A working database: the next update gets a fresh id after the restored ones.
    engine = make_engine(target)
    try:
        with Session(engine) as session:
            author = session.scalars(select(User).where(User.email == WRITER_EMAIL)).one()
            add_updates(session, author, SLUG, 1)
    finally:
        engine.dispose()

    again = tracker(target, "restore", str(path))
    assert again.exit_code == 1
    lines = again.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: The database is not empty"), lines
    return kind, backup_rows


@pytest.mark.parametrize("options", [(), ("--logical",)], ids=["native", "logical"])
def test_a_backup_taken_while_writing_restores_exactly(
    empty_database_url: str, tmp_path: Path, options: tuple[str, ...], monkeypatch
) -> None:
    backend = empty_database_url.split(":")[0].split("+")[0]
    if backend == "postgresql" and not options and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed (the test without pg_dump covers what runs)")
    monkeypatch.setenv("PGTZ", "UTC")  # pg_dump then writes timestamps as copy_rows reads them
    with empty_target(backend, tmp_path) as target:
        kind, _ = back_up_while_writing_and_restore(
            empty_database_url, target, tmp_path / "tracker.backup", *options
        )
    expected = {"sqlite": "sqlite", "postgresql": "pg_dump"}[backend]
    assert kind == ("logical" if options else expected)


def test_without_pg_dump_postgresql_is_exported_logically(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no tools here"))
    with fresh_postgres_database() as source, fresh_postgres_database() as target:
        kind, rows = back_up_while_writing_and_restore(source, target, tmp_path / "backup")
    assert kind == "logical"
    assert len(rows["recommendation"]) > 0


def test_a_logical_backup_of_sqlite_restores_into_postgresql(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
    with fresh_postgres_database() as target:
        kind, _ = back_up_while_writing_and_restore(
            source, target, tmp_path / "tracker.jsonl", "--logical"
        )
    assert kind == "logical"


def test_a_sqlite_copy_does_not_restore_into_postgresql(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
    prepare_served_database(source)
    assert tracker(source, "backup", str(tmp_path / "copy.sqlite3")).exit_code == 0
    with fresh_postgres_database() as target:
        result = tracker(target, "restore", str(tmp_path / "copy.sqlite3"))
        assert result.exit_code == 1
        assert "--logical" in result.output
        assert schema_revision(target) is None  # nothing was written


def test_a_truncated_logical_backup_restores_nothing(
    empty_database_url: str, tmp_path: Path
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    prepare_served_database(source)
    path = tmp_path / "tracker.jsonl"
    assert tracker(source, "backup", "--logical", str(path)).exit_code == 0
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    result = tracker(empty_database_url, "restore", str(path))
    assert result.exit_code == 1
    assert "incomplete" in result.output
    # One transaction: not even the schema is left behind, so a good backup can go in next.
    assert schema_revision(empty_database_url) is None
