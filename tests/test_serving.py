"""Serving: the health check, the page shown while the database is away, gunicorn, proxies."""

from __future__ import annotations

import gc
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tracker import create_app, serving
from tracker.config import from_environment
from tracker.db import get_engine, get_session
from tracker.models import AuditEvent
from tracker.serving import TrackerServer, server_options
from tracker.vocabulary import Role

from .helpers import Browser, free_port, served, tracker_environment

SECRETS = ("Traceback", "OperationalError", "psycopg", "sqlite3", "SELECT")


def test_healthz_answers_ok_to_anyone(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app whose database refuses every connection."""
    if request.param == "postgresql":
        url = f"postgresql+psycopg://tracker@127.0.0.1:{free_port()}/tracker"
    else:
        url = f"sqlite:///{tmp_path / 'no such folder' / 'tracker.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url})
    yield app
    get_engine(app).dispose()


def test_healthz_answers_503_when_the_database_refuses(unreachable_app: Flask, caplog) -> None:
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
    assert any("the database does not answer" in r.getMessage() for r in caplog.records)


def test_pages_answer_503_in_the_layout_when_the_database_refuses(
    unreachable_app: Flask, caplog
) -> None:
    response = unreachable_app.test_client().get("/login")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "<h1>Service unavailable</h1>" in page
    assert "The database is not answering. Try again in a minute." in page
    assert 'class="site-header"' in page  # the site's layout
    assert not [secret for secret in SECRETS if secret in page]
    record = next(r for r in caplog.records if "the database is unavailable" in r.getMessage())
    assert record.levelno == logging.ERROR
    assert record.exc_info and isinstance(record.exc_info[1], OperationalError)


@pytest.fixture
def outage(app: Flask) -> Iterator[list[bool]]:
    """A switch: while it holds True, every statement fails as when the server goes away."""
    engine = get_engine(app)
    down = [False]
    dbapi = engine.dialect.loaded_dbapi

    def fail(*_args: Any) -> None:
        if down[0]:
            raise dbapi.OperationalError("server closed the connection unexpectedly")

    event.listen(engine, "before_cursor_execute", fail)
    yield down
    event.remove(engine, "before_cursor_execute", fail)


def probe() -> dict[str, int]:
    """Stand in for a JSON API view that reads the database."""
    return {"answer": get_session().scalar(text("SELECT 1"))}


def test_a_lost_database_answers_503_until_it_is_back(
    app: Flask, client, make_user, auth, outage: list[bool], caplog
) -> None:
    app.add_url_rule("/api/probe", view_func=probe)  # before the first request, as Flask requires
    app.config["PROPAGATE_EXCEPTIONS"] = False  # serve error pages as in production
    auth.login(make_user(Role.VIEWER, name="Vera Viewer"))
    assert client.get("/").status_code == 200

    outage[0] = True
    page = client.get("/")
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "<h1>Service unavailable</h1>" in html
    assert not [secret for secret in SECRETS if secret in html]
    api = client.get("/api/probe")
    assert api.status_code == 503
    assert api.get_json() == {"error": "The database is not answering. Try again in a minute."}
    health = client.get("/healthz")
    assert (health.status_code, health.get_json()) == (503, {"status": "unavailable"})
    # An error page of its own needs the database too (for the header): still a 503.
    assert client.get("/no/such/page").status_code == 503
    logged = [r for r in caplog.records if "the database is unavailable" in r.getMessage()]
    assert logged and all(isinstance(r.exc_info[1], OperationalError) for r in logged)

    outage[0] = False
    again = client.get("/")
    assert again.status_code == 200
    assert "Vera Viewer" in again.get_data(as_text=True)  # still logged in
    assert client.get("/api/probe").get_json() == {"answer": 1}


def test_a_connection_lost_after_the_answer_does_not_spoil_it(
    app: Flask, client, monkeypatch, caplog
) -> None:
    assert client.get("/healthz").status_code == 200  # connected once, as before an outage
    dialect = get_engine(app).dialect

    def connection_gone(*_args: Any) -> None:
        raise dialect.loaded_dbapi.OperationalError("terminating connection")

    # The answer is ready; then ending the request's transaction finds the server gone.
    monkeypatch.setattr(dialect, "do_commit", connection_gone)
    monkeypatch.setattr(dialect, "do_rollback", connection_gone)
    monkeypatch.setattr(dialect, "is_disconnect", lambda *_args: True)
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
    assert any("database connection lost" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(("hops", "client_address"), [(None, "10.0.0.1"), (1, "203.0.113.7")])
def test_proxy_fix_is_off_unless_configured(
    app: Flask, db: Session, hops: int | None, client_address: str
) -> None:
    config = {"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": app.config["DATABASE_URL"]}
    if hops is not None:
        config["PROXY_FIX"] = hops
    proxied = create_app({**config, "WTF_CSRF_ENABLED": False})
    try:
        proxied.test_client().post(
            "/login",
            data={"email": "nobody@example.org", "password": "wrong password"},
            headers={"X-Forwarded-For": "203.0.113.7"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
    finally:
        get_engine(proxied).dispose()
    failed = db.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).one()
    assert failed.remote_addr == client_address


def test_proxy_fix_comes_from_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACKER_PROXY_FIX", "2")
    monkeypatch.setenv("TRACKER_SECRET_KEY", "test")
    assert from_environment(str(tmp_path))["PROXY_FIX"] == 2
    monkeypatch.delenv("TRACKER_PROXY_FIX")
    assert from_environment(str(tmp_path))["PROXY_FIX"] == 0


def test_serve_reads_workers_and_threads_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2})
    defaults = TrackerServer(server_options("127.0.0.1", 8123, {})).cfg
    # Two processes of one thread a processor it may use.
    assert (defaults.workers, defaults.threads, defaults.bind) == (6, 1, ["127.0.0.1:8123"])
    chosen = server_options("::1", 8124, {"TRACKER_WORKERS": "3", "TRACKER_THREADS": "8"})
    cfg = TrackerServer(chosen).cfg
    assert (cfg.workers, cfg.threads, cfg.bind) == (3, 8, ["[::1]:8124"])


def test_a_worker_keeps_what_loading_made_out_of_the_collectors_reach(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serving, "create_app", lambda: app)
    gc.unfreeze()
    try:
        assert TrackerServer(server_options("127.0.0.1", 8123, {})).load() is app
        assert gc.get_freeze_count() > 0
        assert not any(tracked is app for tracked in gc.get_objects())  # frozen, not tracked
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_serve_refuses_a_nonsense_worker_count(runner, value: str) -> None:
    result = runner.invoke(args=["serve"], env={"TRACKER_WORKERS": value})
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: TRACKER_WORKERS must be a whole number of at least 1, not {value!r}."
    )


def test_serve_runs_the_configured_workers_and_stops_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
    environment = tracker_environment(url, TRACKER_WORKERS="1", TRACKER_THREADS="2")
    with served(environment, tmp_path / "serve.log") as server:
        health = Browser(server.port).get("/healthz")
        workers = server.worker_pids()
    log = server.log()
    assert len(workers) == 1, log  # not the default of two a processor
    assert (health.status, json.loads(health.body)) == (200, {"status": "ok"}), log
    assert server.process.returncode == 0, log
    assert "Traceback" not in log
