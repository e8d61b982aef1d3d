"""Alembic's environment: the database from TRACKER_DATABASE_URL, the schema from tracker.models."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context

from tracker.engine import make_engine
from tracker.models import Base

config = context.config

# Callers that set up logging themselves (the CLI, the tests) ask Alembic to leave it alone.
if config.config_file_name is not None and config.attributes.get(
    "configure_logger", True
):
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


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
        configure_and_run(connection)
    engine.dispose()


def configure_and_run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
