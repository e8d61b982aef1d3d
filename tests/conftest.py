"""Fixtures: every test that touches the database runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tracker import create_app
from tracker.auth.services import create_user
from tracker.db import get_engine, sessions
from tracker.engine import make_engine
from tracker.models import Base, User
from tracker.schema import alembic_config
from tracker.seeds import load_seeds, read_seeds
from tracker.vocabulary import Role

from .helpers import PASSWORD

# The server this machine runs for tests; TRACKER_TEST_POSTGRES_URL points elsewhere.
POSTGRES_URL = os.environ.get(
    "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# CI sets this: there, every skip is a failure, so that no missing service, browser or
# program can hide a test (PostgreSQL, Redis, Chromium, pg_dump, WeasyPrint, ...).
REQUIRE_ALL = os.environ.get("TRACKER_REQUIRE_ALL") == "1"


def postgres_unavailable() -> str | None:
    """Say why PostgreSQL cannot be used, or None when it answers."""
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as error:  # any failure to connect means: skip, and say why
        where = make_url(POSTGRES_URL).render_as_string()
        return f"PostgreSQL at {where} is not answering ({type(error).__name__})"
    finally:
        engine.dispose()
    return None


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database, and drop it afterwards."""
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend, for tests that build the schema themselves."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database migrated to the head, once per run and backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'tracker.sqlite3'}"
        command.upgrade(alembic_config(url), "head")
        yield url
        return
    with fresh_postgres_database() as url:
        command.upgrade(alembic_config(url), "head")
        yield url


def empty_database(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            # Recommendations point at their current update: break that cycle first.
            connection.execute(text("UPDATE recommendation SET current_update_id = NULL"))
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


def round_trip(
    app: Flask, runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> tuple[Path, Result]:
    """Export, empty the database and import the export; return the file and the import."""
    first = tmp_path / "first.json"
    assert runner.invoke(args=["export", "--output", str(first)]).exit_code == 0
    db.close()
    empty_database(get_engine(app))
    result = runner.invoke(args=["import", str(first)])
    assert result.exit_code == 0, result.output
    return first, result


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The application on an emptied database holding only the seeds."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret key",
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": False,
        }
    )
    engine = get_engine(app)
    empty_database(engine)
    with sessions(app)() as session:
        load_seeds(session, read_seeds())
        session.commit()
    yield app
    engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session of its own, to set up data and read back what requests stored."""
    with sessions(app)() as session:
        yield session


@pytest.fixture
def make_user(db: Session) -> Callable[..., User]:
    """Create users: make_user(Role.ANALYST) or make_user(email=..., name=...)."""
    counter = iter(range(1, 10_000))

    def make(
        role: Role = Role.ANALYST, *, email: str | None = None, name: str | None = None
    ) -> User:
        number = next(counter)
        user = create_user(
            db,
            email or f"{role.value}{number}@example.org",
            name or f"{role.label} {number}",
            PASSWORD,
            role,
            by=None,
        )
        db.commit()
        return user

    return make


@dataclass
class Auth:
    client: FlaskClient

    def login(self, user: User, password: str = PASSWORD, **kwargs: Any) -> Any:
        return self.client.post(
            "/login", data={"email": user.email, "password": password}, **kwargs
        )

    def logout(self) -> Any:
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def analyst(make_user: Callable[..., User], auth: Auth) -> User:
    """A logged-in analyst."""
    user = make_user(Role.ANALYST, name="Nadia Analyst")
    auth.login(user)
    return user


# Not counted: transaction control, and the session's last-seen mark, written at most once a
# minute whatever the page (so a slow run would otherwise count it on one page and not another).
UNCOUNTED = re.compile(
    r"\s*(BEGIN|COMMIT|ROLLBACK|PRAGMA|SAVEPOINT|RELEASE|UPDATE user_session SET last_seen_at)",
    re.I,
)


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not UNCOUNTED.match(statement):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(app: Flask) -> Iterator[Callable[[], StatementCounter]]:
    """Count the SQL statements the app's engine runs from the moment the counter starts."""
    engine = get_engine(app)
    counters: list[StatementCounter] = []

    def start() -> StatementCounter:
        counter = StatementCounter()
        event.listen(engine, "before_cursor_execute", counter)
        counters.append(counter)
        return counter

    yield start
    for counter in counters:
        event.remove(engine, "before_cursor_execute", counter)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Where TRACKER_REQUIRE_ALL=1, report a skipped test as failed, with its reason."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped where nothing may be skipped: {reason}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many tests passed, failed or skipped on each database."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            ids = report.nodeid.partition("[")[2].rstrip("]").split("-")
            backend = next((name for name in ("sqlite", "postgresql") if name in ids), None)
            if backend:
                tally = counts.setdefault(backend, {})
                tally[outcome] = tally.get(outcome, 0) + 1
    for backend, tally in sorted(counts.items()):
        line = ", ".join(f"{count} {outcome}" for outcome, count in sorted(tally.items()))
        terminalreporter.write_line(f"{backend}: {line}")
