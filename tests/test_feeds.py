"""Atom feeds of new status updates, as feed readers fetch them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tracker.api.tokens import create_token
from tracker.models import User
from tracker.vocabulary import Role

from .helpers import SLUG, add_updates

ATOM = "{http://www.w3.org/2005/Atom}"
SOURCE = "mei-2020-real-cost-us-iran-escalation-iraq"


@pytest.fixture
def token(db: Session, make_user: Callable[..., User]) -> str:
    analyst = make_user(Role.ANALYST, name="Nadia Analyst")
    add_updates(db, analyst, SLUG, 3)
    _, secret = create_token(db, make_user(Role.VIEWER), "feed reader")
    db.commit()
    return secret


def parse_atom(body: bytes) -> ET.Element:
    """Parse a feed, checking what RFC 4287 requires of it and of each entry."""
    feed = ET.fromstring(body)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{name}") or "").strip(), name
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        assert entry.find(f"{ATOM}link").get("href", "").startswith("http")
        assert feed.find(f"{ATOM}author") is not None or entry.find(f"{ATOM}author") is not None
    return feed


@pytest.mark.parametrize(
    "url",
    ["/feeds/updates.atom", f"/feeds/sources/{SOURCE}.atom", f"/feeds/recommendations/{SLUG}.atom"],
)
def test_each_feed_is_valid_atom_listing_the_updates_logged_last(
    client: FlaskClient, token: str, url: str
) -> None:
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = parse_atom(response.data)
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert len(titles) == 3 and all("In progress as of 2020-02-0" in title for title in titles)
    assert len({entry.findtext(f"{ATOM}id") for entry in entries}) == 3
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/recommendations/{SLUG}#update-3")
    assert entries[0].findtext(f"{ATOM}author/{ATOM}name") == "Nadia Analyst"
    assert "token" not in feed.find(f"{ATOM}link[@rel='self']").get("href")


def test_a_feed_reader_subscribes_with_the_token_in_the_address(
    client: FlaskClient, token: str
) -> None:
    response = client.get(f"/feeds/updates.atom?token={token}")
    assert response.status_code == 200
    parse_atom(response.data)
    etag = response.headers["ETag"]
    assert (
        client.get(
            f"/feeds/updates.atom?token={token}", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )


def test_feeds_need_a_login_or_a_valid_token(client: FlaskClient, token: str) -> None:
    anonymous = client.get("/feeds/updates.atom")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?next=")
    refused = client.get("/feeds/updates.atom?token=trk_not-a-token")
    assert refused.status_code == 401
    assert refused.mimetype == "text/plain"
    assert "This API token is not valid" in refused.get_data(as_text=True)


def test_an_unknown_recommendations_feed_is_not_found(client: FlaskClient, token: str) -> None:
    response = client.get(
        "/feeds/recommendations/nothing.atom", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404
