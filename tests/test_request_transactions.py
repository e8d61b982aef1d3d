"""How a request's database transaction ends: a read commits, anything else not committed is
rolled back, and on PostgreSQL the statements a page runs stay prepared between requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, insert, select, text
from sqlalchemy.orm import Session

from tracker.db import get_engine, get_session
from tracker.models import Theme, User


@pytest.fixture
def endings(app: Flask) -> Iterator[list[str]]:
    """How each transaction on the app's engine ended, in order."""
    ended: list[str] = []
    engine = get_engine(app)
    listeners = {
        "commit": lambda _connection: ended.append("commit"),
        "rollback": lambda _connection: ended.append("rollback"),
    }
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    yield ended
    for name, listener in listeners.items():
        event.remove(engine, name, listener)


def test_a_page_that_only_reads_ends_its_transaction_with_a_commit(
    client: FlaskClient, analyst: User, endings: list[str]
) -> None:
    assert client.get("/").status_code == 200
    assert endings == ["commit"]


@pytest.fixture
def views(app: Flask) -> Flask:
    """Two views that end their requests badly, added before the first request."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/test/write-without-commit")
    def write_without_commit() -> str:
        get_session().execute(insert(Theme).values(slug="left-behind", name="Left behind"))
        return "written, not committed"

    @app.get("/test/read-then-fail")
    def read_then_fail() -> str:
        get_session().scalar(select(Theme.id))
        raise RuntimeError("failed after reading")

    @app.get("/test/read-then-lose-the-connection")
    def read_then_lose_the_connection() -> str:
        get_session().scalar(select(Theme.id))
        get_session().connection().invalidate()  # as when the database goes away
        return "read, then the connection was lost"

    return app


def test_a_lost_connection_is_not_committed_and_spoils_no_answer(
    views: Flask, client: FlaskClient, analyst: User, endings: list[str]
) -> None:
    assert client.get("/test/read-then-lose-the-connection").status_code == 200
    assert "commit" not in endings


def test_a_write_the_view_did_not_commit_is_rolled_back(
    views: Flask, client: FlaskClient, analyst: User, db: Session, endings: list[str]
) -> None:
    assert client.get("/test/write-without-commit").status_code == 200
    assert endings == ["rollback"]
    assert db.scalar(select(Theme).where(Theme.slug == "left-behind")) is None


def test_a_request_that_failed_is_rolled_back_even_if_it_only_read(
    views: Flask, client: FlaskClient, analyst: User, endings: list[str]
) -> None:
    assert client.get("/test/read-then-fail").status_code == 500
    assert endings == ["rollback"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_keeps_a_pages_statements_prepared_between_requests(
    app: Flask, client: FlaskClient, analyst: User
) -> None:
    engine: Engine = get_engine(app)
    for n in range(8):  # psycopg prepares a statement on its fifth run
        assert client.get(f"/?n={n}").status_code == 200
    # The test client's requests take turns on one pooled connection: this one.
    with engine.connect() as connection:
        prepared = connection.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("FROM recommendation" in statement for statement in prepared), prepared
