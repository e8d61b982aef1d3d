"""Rendered pages served again until the next write, and conditional GET."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text, update
from sqlalchemy.orm import Session

from tracker import caching, create_app
from tracker.db import get_engine
from tracker.models import User, UserSession, utcnow
from tracker.vocabulary import Role

from .helpers import PASSWORD, SLUG, update_form
from .test_auth import REDIS_URL, redis_unavailable


def test_a_page_is_rendered_once_until_something_is_written(
    client: FlaskClient, analyst, count_statements
) -> None:
    client.get("/corrections")  # settle the session
    first = client.get("/")
    counter = count_statements()
    again = client.get("/")
    assert again.get_data() == first.get_data()
    # The same checks as any request (the session), then the data's version: nothing rendered.
    assert counter.count == 2
    assert "JOIN user_session" in counter.statements[0]
    assert "max(data_change.id)" in counter.statements[1]
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    client.post(f"/recommendations/{SLUG}/updates/new", data=update_form(status="stalled"))
    changed = client.get("/").get_data(as_text=True)
    assert 'id="count-stalled">1<' in changed


def test_pages_are_kept_within_a_budget_of_bytes() -> None:
    pages = caching.Recent[bytes](10, budget=100, weigh=len)
    pages.put("a", b"x" * 40)
    pages.put("b", b"x" * 40)
    pages.put("a", b"x" * 50)  # replaced: its old weight is given back
    assert pages.weight == 90 and pages.get("b") is not None
    pages.put("c", b"x" * 30)  # over the budget: the least recently used goes
    assert pages.get("a") is None and pages.get("b") is not None and pages.weight == 70
    pages.put("d", b"x" * 101)  # larger than the whole budget: not kept, nothing evicted
    assert pages.get("d") is None and pages.weight == 70 and len(pages.kept) == 2
    counted = caching.Recent[bytes](2)  # no budget: only the number of pages counts
    for key in "abc":
        counted.put(key, b"x" * 10_000)
    assert list(counted.kept) == ["b", "c"]


def test_a_page_larger_than_the_budget_is_rendered_each_time(
    app: Flask, client: FlaskClient, analyst, count_statements
) -> None:
    client.get("/corrections")  # settle the session
    pages = app.extensions["tracker.pages"]
    budget = pages.budget
    try:
        pages.budget = 1_000  # smaller than the dashboard
        client.get("/")
        counter = count_statements()
        client.get("/")
        assert counter.count > 2  # rendered again
    finally:
        pages.budget = budget


def test_a_page_from_the_cache_says_what_the_rendered_page_said(
    client: FlaskClient, analyst
) -> None:
    """Security headers, Vary and the language chosen from the browser's, on a hit as on the
    page rendered."""
    client.get("/corrections")  # settle the session
    asked = {"Accept-Language": "ar;q=0.9, fr;q=0.8"}
    first = client.get("/", headers=asked)
    again = client.get("/", headers=asked)
    assert again.get_data() == first.get_data()
    assert 'lang="ar"' in again.get_data(as_text=True)
    headers = {key for key, _ in first.headers} - {"X-Request-ID"}
    assert {key for key, _ in again.headers} - {"X-Request-ID"} == headers
    for key in headers:
        assert again.headers.getlist(key) == first.headers.getlist(key), key
    assert {"Accept-Language", "Cookie"} <= set(again.vary)
    assert again.headers["X-Frame-Options"] == "DENY"
    assert again.headers["Cache-Control"] == "no-store"


def test_conditional_get_answers_304_until_a_write(client: FlaskClient, analyst) -> None:
    client.get("/")  # shows the welcome message, once
    response = client.get(f"/recommendations/{SLUG}")
    etag = response.headers["ETag"]
    assert (
        client.get(f"/recommendations/{SLUG}", headers={"If-None-Match": etag}).status_code == 304
    )
    client.post(f"/recommendations/{SLUG}/updates/new", data=update_form(), follow_redirects=True)
    fresh = client.get(f"/recommendations/{SLUG}", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag


def test_flash_messages_are_shown_once(client: FlaskClient, analyst) -> None:
    response = client.post(
        f"/recommendations/{SLUG}/updates/new", data=update_form(), follow_redirects=True
    )
    assert "Status update logged." in response.get_data(as_text=True)
    assert "Status update logged." not in client.get(f"/recommendations/{SLUG}").get_data(
        as_text=True
    )


def test_each_reader_gets_their_own_page(app, client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user(Role.VIEWER, name="Vera Viewer"))
    assert "Vera Viewer" in client.get("/").get_data(as_text=True)
    other = app.test_client()
    editor = make_user(Role.EDITOR, name="Eddie Editor")
    other.post("/login", data={"email": editor.email, "password": "correct horse battery staple"})
    page = other.get("/").get_data(as_text=True)
    assert "Eddie Editor" in page and "Vera Viewer" not in page


def test_a_cookie_replayed_after_logout_gets_no_cached_page(
    app: Flask, client: FlaskClient, analyst
) -> None:
    client.get("/corrections")  # settle the session
    client.get("/")
    assert client.get("/").status_code == 200
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert copied.get("/").status_code == 200  # the same cookie is the same session
    client.post("/logout")
    replayed = copied.get("/")
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/login")


def test_a_write_no_audit_event_records_changes_the_page(
    client: FlaskClient, db: Session, analyst
) -> None:
    client.get("/corrections")
    assert "Renamed by hand" not in client.get(f"/recommendations/{SLUG}").get_data(as_text=True)
    db.execute(
        text("UPDATE recommendation SET title = 'Renamed by hand' WHERE slug = :slug"),
        {"slug": SLUG},
    )
    db.commit()
    assert "Renamed by hand" in client.get(f"/recommendations/{SLUG}").get_data(as_text=True)


def test_a_sessions_last_seen_time_changes_no_page(
    client: FlaskClient, db: Session, analyst, count_statements
) -> None:
    client.get("/corrections")
    client.get("/")
    db.execute(update(UserSession).values(last_seen_at=utcnow() - dt.timedelta(seconds=10)))
    db.commit()
    counter = count_statements()
    assert client.get("/").status_code == 200
    assert not any("FROM recommendation" in statement for statement in counter.statements)


def test_a_cached_page_is_not_sent_once_the_session_has_expired(
    app: Flask, client: FlaskClient, db: Session, analyst
) -> None:
    client.get("/corrections")
    assert client.get("/").status_code == 200
    app.config["IDLE_TIMEOUT_MINUTES"] = 1
    db.execute(update(UserSession).values(last_seen_at=utcnow() - dt.timedelta(minutes=2)))
    db.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_cached_page_is_not_sent_to_a_disabled_account(
    client: FlaskClient, db: Session, analyst
) -> None:
    client.get("/corrections")
    assert client.get("/").status_code == 200
    db.execute(update(User).where(User.id == analyst.id).values(active=False))
    db.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_etag_names_the_application_version(
    client: FlaskClient, analyst, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get("/")
    etag = client.get(f"/recommendations/{SLUG}").headers["ETag"]
    monkeypatch.setattr(caching, "app_version", lambda: "99.0")
    upgraded = client.get(f"/recommendations/{SLUG}", headers={"If-None-Match": etag})
    assert upgraded.status_code == 200 and upgraded.headers["ETag"] != etag


@pytest.fixture
def workers(app: Flask, make_user) -> Iterator[tuple[Flask, FlaskClient, FlaskClient]]:
    """Two apps sharing Redis, as two workers: a reader's app and a logged-in browser on
    each."""
    reason = redis_unavailable()
    if reason:
        pytest.skip(reason)
    # Logins are counted in Redis too: these tests log in more often than the limit allows.
    config = dict(
        app.config, REDIS_URL=REDIS_URL,
        LOGIN_LIMIT_PER_ACCOUNT="1000 per minute", LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
    )  # fmt: skip
    config.pop("RATELIMIT_STORAGE_URI", None)
    reader_app, writer_app = create_app(config), create_app(config)
    analyst = make_user(Role.ANALYST, name="Nadia Analyst")
    reader, writer = reader_app.test_client(), writer_app.test_client()
    for browser in (reader, writer):
        browser.post("/login", data={"email": analyst.email, "password": PASSWORD})
        browser.get("/corrections")
    try:
        yield reader_app, reader, writer
    finally:
        for instance in (reader_app, writer_app):
            get_engine(instance).dispose()


def test_workers_sharing_redis_share_the_data_version(workers) -> None:
    reader_app, reader, writer = workers
    assert 'id="count-stalled">0<' in reader.get("/").get_data(as_text=True)
    engine = get_engine(reader_app)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert 'id="count-stalled">0<' in reader.get("/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert not any("data_change" in statement for statement in statements)
    writer.post(f"/recommendations/{SLUG}/updates/new", data=update_form(status="stalled"))
    assert 'id="count-stalled">1<' in reader.get("/").get_data(as_text=True)


def test_a_worker_reads_the_versions_from_redis_only_once_told_they_changed(
    workers, monkeypatch
) -> None:
    reader_app, reader, writer = workers
    versions = reader_app.extensions["tracker.data_version"]
    reads: list[tuple[int, int]] = []
    read = versions.read
    monkeypatch.setattr(versions, "read", lambda: reads.append(read()) or reads[-1])
    for _ in range(3):
        assert 'id="count-stalled">0<' in reader.get("/").get_data(as_text=True)
    assert len(reads) <= 1  # the first look after the logins' bumps, then none
    reads.clear()
    for _ in range(3):
        reader.get("/")
    assert reads == []
    writer.post(f"/recommendations/{SLUG}/updates/new", data=update_form(status="stalled"))
    assert 'id="count-stalled">1<' in reader.get("/").get_data(as_text=True)
    assert len(reads) == 1
    reader.get("/")
    assert len(reads) == 1


def test_a_write_made_while_a_workers_subscription_was_lost_is_not_missed(workers) -> None:
    reader_app, reader, writer = workers
    assert 'id="count-stalled">0<' in reader.get("/").get_data(as_text=True)
    assert 'id="count-stalled">0<' in reader.get("/").get_data(as_text=True)  # from the cache
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert client.client_kill_filter(_type="pubsub") >= 1
    finally:
        client.close()
    writer.post(f"/recommendations/{SLUG}/updates/new", data=update_form(status="stalled"))
    assert 'id="count-stalled">1<' in reader.get("/").get_data(as_text=True)
    # Subscribed again, it hears of the next write as before.
    assert 'id="count-stalled">1<' in reader.get("/").get_data(as_text=True)
    assert reader_app.extensions["tracker.data_version"].subscription is not None
    writer.post(f"/recommendations/{SLUG}/updates/new", data=update_form(status="implemented"))
    assert 'id="count-stalled">0<' in reader.get("/").get_data(as_text=True)
