"""Saved views: a named dashboard filter, shared by link, renamed, deleted and watched."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.models import AuditEvent, Notification, Recommendation, SavedView, Theme, Watch
from tracker.vocabulary import Role

from .conftest import Auth
from .helpers import SLUG, squash, update_form

SECURITY = "security-cooperation"


def view_slug(db: Session) -> str:
    db.rollback()
    return db.scalars(select(SavedView.slug).order_by(SavedView.id.desc())).first() or ""


def save(client: FlaskClient, name: str, **filters: str):  # type: ignore[no-untyped-def]
    return client.post("/views", data={"name": name, **filters}, follow_redirects=True)


def test_a_view_is_saved_shared_renamed_and_deleted_by_its_owner(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    owner = make_user(Role.ANALYST, name="Ana Analyst")
    colleague = make_user(Role.VIEWER, name="Bo Colleague")
    auth.login(owner)
    dashboard = client.get(f"/?theme={SECURITY}&status=stalled").get_data(as_text=True)
    assert "Save these filters as a view" in dashboard
    assert 'name="theme" type="hidden" value="security-cooperation"' in dashboard or (
        'value="security-cooperation"' in dashboard
    )
    # Empty, refused with the reason beside the field; nothing kept.
    empty = client.post("/views", data={"name": "  ", "theme": SECURITY})
    assert empty.status_code == 400 and "Name the view." in empty.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(SavedView)) == 0
    page = save(client, "Stalled security", theme=SECURITY, status="stalled", sort="bogus")
    text = squash(page.get_data(as_text=True))
    assert "View “Stalled security” saved" in text
    assert "Saved view: “Stalled security”" in text
    slug = view_slug(db)
    view = db.scalars(select(SavedView)).one()
    assert view.query == {"theme": SECURITY, "status": "stalled"}  # read as the dashboard reads
    rows = re.findall(r'<tr class="[^"]*" id="rec-', text) or re.findall(r"<tr", text)
    assert rows
    assert f'href="/views/{slug}"' in client.get("/me").get_data(as_text=True)
    assert "Stalled security" in client.get("/").get_data(as_text=True)  # listed on the dashboard
    auth.logout()

    # Anyone logged in who has the link sees the view, but only its owner changes it.
    auth.login(colleague)
    shown = client.get(f"/views/{slug}")
    assert shown.status_code == 302 and "theme=security-cooperation" in shown.location
    seen = squash(client.get(shown.location).get_data(as_text=True))
    assert "Saved view: “Stalled security”" in seen and "Kept by Ana Analyst" in seen
    assert "Delete this view" not in seen
    assert client.get(f"/views/{slug}/rename").status_code == 403
    assert client.post(f"/views/{slug}/rename", data={"name": "Mine"}).status_code == 403
    assert client.post(f"/views/{slug}/delete", data={}).status_code == 403
    assert client.get("/views/no-such-view").status_code == 404
    auth.logout()

    auth.login(owner)
    assert client.post(f"/views/{slug}/rename", data={"name": ""}).status_code == 200
    renamed = client.post(f"/views/{slug}/rename", data={"name": "Security, stalled"},
                          follow_redirects=True)  # fmt: skip
    assert "Renamed “Security, stalled”." in renamed.get_data(as_text=True)
    client.post(f"/watch/view/{slug}", data={"next": "/"})
    deleted = client.post(f"/views/{slug}/delete", data={}, follow_redirects=True)
    assert "View “Security, stalled” deleted." in deleted.get_data(as_text=True)
    assert client.get(f"/views/{slug}").status_code == 404
    assert client.post(f"/watch/view/{slug}", data={}).status_code == 404
    db.rollback()
    assert db.scalars(select(Watch.ended_at).where(Watch.kind == "view")).one() is not None
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("saved_view.%"))
    ).all()
    assert sorted(actions) == ["saved_view.create", "saved_view.delete", "saved_view.rename"]
    assert db.scalar(select(func.count()).select_from(SavedView)) == 1  # kept, marked deleted


def test_a_watched_view_notifies_of_changes_to_what_it_shows_and_unwatches_from_the_notice(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    watcher = make_user(Role.VIEWER, name="Ana Watcher")
    colleague = make_user(Role.ANALYST, name="Bo Colleague")
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    theme = db.get_one(Theme, recommendation.theme_id)
    other = db.scalars(select(Recommendation).where(Recommendation.theme_id != theme.id)).first()
    assert other is not None
    auth.login(watcher)
    save(client, "My theme", theme=theme.slug)
    slug = view_slug(db)
    watched = client.post(f"/watch/view/{slug}", data={"next": f"/views/{slug}"},
                          follow_redirects=True)  # fmt: skip
    assert "You are watching “My theme”" in watched.get_data(as_text=True)
    assert ">Unwatch</button>" in watched.get_data(as_text=True)
    auth.logout()

    auth.login(colleague)
    client.post(f"/recommendations/{SLUG}/updates/new", data=update_form())
    client.post(f"/recommendations/{other.slug}/updates/new", data=update_form())
    auth.logout()

    db.rollback()
    [notification] = db.scalars(select(Notification)).all()  # the other theme: no notice
    assert (notification.user_id, notification.recommendation_id) == (
        watcher.id, recommendation.id,
    )  # fmt: skip
    auth.login(watcher)
    listing = squash(client.get("/notifications").get_data(as_text=True))
    assert "In your watched view" in listing and "My theme" in listing
    assert f'action="/unwatch/view/{slug}"' in listing
    stopped = client.post(f"/unwatch/view/{slug}", data={"next": "/notifications"},
                          follow_redirects=True)  # fmt: skip
    assert "You no longer watch “My theme”." in stopped.get_data(as_text=True)
    auth.logout()
    auth.login(colleague)
    client.post(f"/recommendations/{SLUG}/updates/new", data=update_form(as_of="2021-11-01"))
    assert db.scalar(select(func.count()).select_from(Notification)) == 1
    auth.logout()
    auth.login(watcher)  # a view deleted since: the notice says so and offers no dead button
    client.post(f"/views/{slug}/delete", data={})
    listing = squash(client.get("/notifications").get_data(as_text=True))
    assert "In the view “My theme”, since deleted." in listing
    assert f'action="/unwatch/view/{slug}"' not in listing


def test_a_watcher_of_both_the_recommendation_and_a_view_hears_once(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    watcher = make_user(Role.VIEWER, name="Ana Watcher")
    colleague = make_user(Role.ANALYST, name="Bo Colleague")
    auth.login(watcher)
    save(client, "Everything sorted", sort="title")
    client.post(f"/watch/view/{view_slug(db)}", data={})
    client.post(f"/watch/recommendation/{SLUG}", data={})
    auth.logout()
    auth.login(colleague)
    client.post(f"/recommendations/{SLUG}/updates/new", data=update_form())
    db.rollback()
    [notification] = db.scalars(select(Notification)).all()
    assert notification.view_id is None  # heard by the recommendation it watches


def test_pages_listing_views_ask_the_same_statements_however_many(
    client: FlaskClient, db: Session, make_user, auth: Auth, count_statements
) -> None:
    watcher = make_user(Role.ANALYST, name="Ana Watcher")
    colleague = make_user(Role.ANALYST, name="Bo Colleague")
    auth.login(watcher)
    pages = ["/", "/me", "/views", "/notifications"]

    def grow(views: int) -> None:
        for number in range(views):
            save(client, f"View {number}", sort="title", theme=SECURITY if number % 2 else "")
            client.post(f"/watch/view/{view_slug(db)}", data={})
        auth.logout()
        auth.login(colleague)
        client.post(f"/recommendations/{SLUG}/updates/new", data=update_form())
        auth.logout()
        auth.login(watcher)

    rounds = iter(range(1, 10))

    def statements() -> dict[str, int]:
        counts = {}
        fresh = next(rounds)
        for page in pages:
            client.get(page)
            # An address not asked before: the page cache cannot answer for the dashboard.
            counter = count_statements()
            assert client.get(f"{page}?page=1&round={fresh}").status_code == 200
            counts[page] = counter.count
        return counts

    grow(1)
    few = statements()
    grow(11)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Notification)) == 2
    assert statements() == few
