"""The Atom feed of one's notifications at a private, revocable address."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.models import AuditEvent, FeedAddress, Notification, Recommendation
from tracker.notifications.feed import secret_hash
from tracker.vocabulary import Role

from .conftest import Auth
from .helpers import SLUG, squash, update_form
from .test_feeds import ATOM, parse_atom

URL = f"/recommendations/{SLUG}"


def address_on(page: str) -> str:
    match = re.search(r'id="feed-url">http://localhost(/feeds/notifications/[\w-]+\.atom)<', page)
    assert match, page
    return match.group(1)


def test_a_feed_reader_reads_my_notifications_until_i_make_a_new_address(
    app, client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    reader = make_user(Role.ANALYST, name="Ana Analyst")
    colleague = make_user(Role.ANALYST, name="Bo Colleague")
    auth.login(reader)
    settings = squash(client.get("/notifications/feed").get_data(as_text=True))
    assert "You have no feed address" in settings
    client.post(f"/watch/recommendation/{SLUG}", data={"next": URL})
    made = client.post("/notifications/feed/new", data={})
    assert made.status_code == 200
    path = address_on(made.get_data(as_text=True))
    secret = path.rsplit("/", 1)[1].removesuffix(".atom")
    # Only its hash is kept, and it is not shown again.
    db.rollback()
    assert db.scalars(select(FeedAddress.token_hash)).one() == secret_hash(secret)
    again = client.get("/notifications/feed").get_data(as_text=True)
    assert secret not in again and "it was shown only then" in again
    auth.logout()

    auth.login(colleague)
    client.post(f"{URL}/updates/new", data=update_form())
    client.post(f"{URL}/comments", data={"body": "Seen this, @ana-analyst?"})
    auth.logout()

    # A feed reader, logged in as nobody, reads the two notifications, newest first.
    reader_client = app.test_client()
    response = reader_client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    feed = parse_atom(response.data)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    title = db.scalars(select(Recommendation.title).where(Recommendation.slug == SLUG)).one()
    assert titles == [f"Mentioned you in a comment: {title}", f"New status update: {title}"]
    links = [
        link.get("href")
        for link in feed.iter(f"{ATOM}link")
        if link.get("rel", "alternate") == "alternate"
    ]
    db.rollback()
    [comment_notification] = db.scalars(
        select(Notification).where(Notification.kind == "mention")
    ).all()
    assert f"{URL}#comment-{comment_notification.ref_id}" in " ".join(links)
    assert b"@example.org" not in response.data  # nobody's e-mail
    assert (
        reader_client.get(path, headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )

    # A new address stops the old one at once; stopping it stops the new one.
    auth.login(reader)
    newer = address_on(client.post("/notifications/feed/new", data={}).get_data(as_text=True))
    assert newer != path
    assert reader_client.get(path).status_code == 404
    assert reader_client.get(newer).status_code == 200
    stopped = client.post("/notifications/feed/stop", data={}, follow_redirects=True)
    assert "Your feed address no longer works." in stopped.get_data(as_text=True)
    assert reader_client.get(newer).status_code == 404
    assert reader_client.get("/feeds/notifications/guess.atom").status_code == 404
    db.rollback()
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("feed_address.%")))
    assert sorted(actions) == ["feed_address.create"] * 2 + ["feed_address.revoke"] * 2
    assert db.scalar(select(func.count()).select_from(FeedAddress)) == 2


def test_the_feed_asks_the_same_statements_however_many_notifications(
    app, client: FlaskClient, db: Session, make_user, auth: Auth, count_statements
) -> None:
    reader = make_user(Role.ANALYST, name="Ana Analyst")
    colleague = make_user(Role.ANALYST, name="Bo Colleague")
    auth.login(reader)
    client.post(f"/watch/recommendation/{SLUG}", data={"next": URL})
    path = address_on(client.post("/notifications/feed/new", data={}).get_data(as_text=True))
    feed_reader = app.test_client()

    def statements() -> int:
        counter = count_statements()
        assert feed_reader.get(path).status_code == 200
        return counter.count

    auth.logout()
    auth.login(colleague)
    client.post(f"{URL}/updates/new", data=update_form())
    few = statements()
    for number in range(12):
        client.post(f"{URL}/comments", data={"body": f"Note {number} for @ana-analyst"})
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Notification)) == 13
    assert statements() == few


def test_on_a_public_site_the_feed_is_still_its_owners_not_the_publics(
    app, client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    # The seeded source is not published: the public sees none of it, the feed's owner does.
    app.config.update(PUBLIC=True)
    reader = make_user(Role.ANALYST, name="Ana Analyst")
    colleague = make_user(Role.ANALYST, name="Bo Colleague")
    auth.login(reader)
    client.post(f"/watch/recommendation/{SLUG}", data={"next": URL})
    path = address_on(client.post("/notifications/feed/new", data={}).get_data(as_text=True))
    auth.logout()
    auth.login(colleague)
    client.post(f"{URL}/updates/new", data=update_form())
    auth.logout()

    assert app.test_client().get(URL).status_code == 404
    response = app.test_client().get(path)
    assert response.status_code == 200
    entries = list(parse_atom(response.data).iter(f"{ATOM}entry"))
    assert len(entries) == 1
    assert "public" not in response.headers.get("Cache-Control", "")
