"""Rendered pages served again until the next write, and conditional GET."""

from __future__ import annotations

from flask.testing import FlaskClient

from tracker.vocabulary import Role

from .helpers import SLUG, update_form


def test_a_page_is_rendered_once_until_something_is_written(client: FlaskClient, analyst, count_statements) -> None:
    client.get("/corrections")  # settle the session
    first = client.get("/")
    counter = count_statements()
    again = client.get("/")
    assert again.get_data() == first.get_data()
    assert counter.count <= 3  # who is asking, the data's version: no rendering queries
    client.post(f"/recommendations/{SLUG}/updates/new", data=update_form(status="stalled"))
    changed = client.get("/").get_data(as_text=True)
    assert 'id="count-stalled">1<' in changed


def test_conditional_get_answers_304_until_a_write(client: FlaskClient, analyst) -> None:
    client.get("/")  # shows the welcome message, once
    response = client.get(f"/recommendations/{SLUG}")
    etag = response.headers["ETag"]
    assert client.get(f"/recommendations/{SLUG}", headers={"If-None-Match": etag}).status_code == 304
    client.post(f"/recommendations/{SLUG}/updates/new", data=update_form(), follow_redirects=True)
    fresh = client.get(f"/recommendations/{SLUG}", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag


def test_flash_messages_are_shown_once(client: FlaskClient, analyst) -> None:
    response = client.post(f"/recommendations/{SLUG}/updates/new", data=update_form(), follow_redirects=True)
    assert "Status update logged." in response.get_data(as_text=True)
    assert "Status update logged." not in client.get(f"/recommendations/{SLUG}").get_data(as_text=True)


def test_each_reader_gets_their_own_page(app, client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user(Role.VIEWER, name="Vera Viewer"))
    assert "Vera Viewer" in client.get("/").get_data(as_text=True)
    other = app.test_client()
    editor = make_user(Role.EDITOR, name="Eddie Editor")
    other.post("/login", data={"email": editor.email, "password": "correct horse battery staple"})
    page = other.get("/").get_data(as_text=True)
    assert "Eddie Editor" in page and "Vera Viewer" not in page
