"""Small things every page shares: the icon, plurals, dates kept whole."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Actor, Theme
from tracker.templating import date_tag
from tracker.vocabulary import Role

from .helpers import SLUG, add_updates, squash


def test_favicon_is_served_to_anyone(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    with client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200


def test_pages_name_their_icon(client: FlaskClient, analyst) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert '<link rel="icon" href="/favicon.ico" sizes="16x16 32x32">' in page


def test_dates_are_kept_whole_in_time_tags() -> None:
    assert str(date_tag(dt.date(2026, 11, 5))) == '<time datetime="2026-11-05">2026-11-05</time>'
    assert str(date_tag(None)) == "—"


def test_one_source_is_one_source_and_one_actor_one_actor(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    assert "<caption>1 source, newest first</caption>" in client.get("/sources/").get_data(
        as_text=True
    )
    actors = db.scalars(select(Actor)).all()
    page = client.get("/actors/").get_data(as_text=True)
    assert f"<caption>{len(actors)} actors, by name</caption>" in page
    themes = db.scalars(select(Theme).order_by(Theme.name)).all()
    sovereignty = next(theme for theme in themes if theme.slug == "sovereignty")
    merge = squash(client.get("/themes/sovereignty/merge").get_data(as_text=True))
    assert "The 1 recommendation filed under “Sovereignty” move" in merge
    into = next(theme for theme in themes if theme is not sovereignty)
    response = client.post(
        "/themes/sovereignty/merge", data={"into": str(into.id)}, follow_redirects=True
    )
    assert ": 1 recommendation moved." in response.get_data(as_text=True)
    # Down to one theme by merging the rest: "1 theme".
    remaining = [theme for theme in themes if theme not in (sovereignty, into)]
    for theme in remaining:
        client.post(f"/themes/{theme.slug}/merge", data={"into": str(into.id)})
    assert "<caption>1 theme, by name</caption>" in client.get("/themes/").get_data(as_text=True)


def test_shown_dates_are_time_elements(client: FlaskClient, db: Session, analyst) -> None:
    """The stylesheet keeps a <time> from breaking at its hyphens; every date shown is one."""
    add_updates(db, analyst, SLUG, 2, start=dt.date.today() - dt.timedelta(days=20))
    with client.get("/static/tracker.css") as response:
        css = response.get_data(as_text=True)
    assert "time { white-space: nowrap; }" in css
    paths = [
        "/",
        "/sources/mei-2020-real-cost-us-iran-escalation-iraq",
        f"/recommendations/{SLUG}",
        "/report",
        "/swimlane",
        "/compare",
    ]
    for path in paths:
        page = re.sub(r"<time[^>]*>[^<]*</time>", "", client.get(path).get_data(as_text=True))
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<(title|desc)[^>]*>.*?</\1>", "", page, flags=re.S))
        assert not re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text), path
