"""Alembic's environment: the database from TRACKER_DATABASE_URL, the schema from tracker.models."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context

from tracker.engine import make_engine
from tracker.models import Base

config = context.config

# Callers that set up logging themselves (the CLI, the tests) ask Alembic to leave it alone.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave the full-text search objects to their migration: autogenerate cannot describe them.

    They are SQLite's FTS5 table `search_index` (with its shadow tables), and PostgreSQL's
    generated `search_vector` columns and the GIN indexes over them named `ix_search_*`; see
    tracker/search/.
    """
    if type_ == "table":
        return not (name or "").startswith("search_index")
    if type_ == "index":
        return not (name or "").startswith("ix_search_")
    if type_ == "column":
        return name != "search_vector"
    return True


def database_url() -> str:
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("TRACKER_DATABASE_URL")
        or "sqlite:///instance/tracker.sqlite3"
    )


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        configure_and_run(connection)
        return
    engine = make_engine(database_url())
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # Batch migrations copy a table and drop the original, which rows of other tables
            # still reference: SQLite allows that only with foreign keys off, and only outside
            # a transaction. Integrity is checked once the migration is done.
            sqlite = connection.connection.driver_connection
            sqlite.execute("PRAGMA foreign_keys=OFF")
            configure_and_run(connection)
            problems = sqlite.execute("PRAGMA foreign_key_check").fetchall()
            sqlite.execute("PRAGMA foreign_keys=ON")
            if problems:
                raise RuntimeError(f"the migration broke foreign keys: {problems[:5]}")
        else:
            configure_and_run(connection)
    engine.dispose()


def configure_and_run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
