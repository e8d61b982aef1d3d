"""Rendered pages served again until the next write, and conditional GET."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from tracker import caching
from tracker.models import UserSession, utcnow
from tracker.vocabulary import Role

from .helpers import SLUG, update_form


def test_a_page_is_rendered_once_until_something_is_written(
    client: FlaskClient, analyst, count_statements
) -> None:
    client.get("/corrections")  # settle the session
    first = client.get("/")
    counter = count_statements()
    again = client.get("/")
    assert again.get_data() == first.get_data()
    # Answered before Flask checks the session: the data's version is all it asks.
    assert counter.count == 1 and "max(audit_event.id)" in counter.statements[0]
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    client.post(f"/recommendations/{SLUG}/updates/new", data=update_form(status="stalled"))
    changed = client.get("/").get_data(as_text=True)
    assert 'id="count-stalled">1<' in changed


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


def test_a_page_is_cached_no_longer_than_its_lifetime(
    client: FlaskClient, analyst, count_statements, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get("/corrections")
    client.get("/")
    later = utcnow() + caching.PAGE_LIFETIME + dt.timedelta(seconds=1)
    monkeypatch.setattr(caching, "utcnow", lambda: later)
    counter = count_statements()
    assert client.get("/").status_code == 200
    assert any("JOIN user_session" in statement for statement in counter.statements)


def test_a_page_is_cached_no_longer_than_its_session_could_last(
    app: Flask,
    client: FlaskClient,
    db: Session,
    analyst,
    count_statements,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["IDLE_TIMEOUT_MINUTES"] = 1
    client.get("/corrections")
    # Seen 50 seconds ago: too recent to be written again, so the session ends in 10 seconds.
    db.execute(update(UserSession).values(last_seen_at=utcnow() - dt.timedelta(seconds=50)))
    db.commit()
    client.get("/")
    later = utcnow() + dt.timedelta(seconds=15)  # within the page's lifetime, past the session's
    monkeypatch.setattr(caching, "utcnow", lambda: later)
    counter = count_statements()
    client.get("/")
    assert any("JOIN user_session" in statement for statement in counter.statements)
