"""Watching and in-app notifications, written in the transaction of the change."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.models import Notification, Recommendation, StatusUpdate, Watch
from tracker.status_updates import EvidenceInput, correct_status_update, record_status_update
from tracker.vocabulary import Confidence, Credibility, Reliability, Role, Stance, Status

from .conftest import Auth
from .helpers import SLUG, add_updates, squash, update_form

URL = f"/recommendations/{SLUG}"
SOURCE = "mei-2020-real-cost-us-iran-escalation-iraq"


def unread(page: str) -> int:
    match = re.search(r'id="unread-count">(\d+)<', page)
    return int(match.group(1)) if match else 0


def count(db: Session, model: type) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_a_watcher_hears_of_a_colleagues_update_in_the_app(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    watcher = make_user(Role.ANALYST, name="Ada Watcher")
    colleague = make_user(Role.ANALYST, name="Bo Colleague")
    auth.login(watcher)
    page = client.post(f"/watch/recommendation/{SLUG}", data={"next": URL}, follow_redirects=True)
    assert "You are watching" in page.get_data(as_text=True)
    assert ">Unwatch</button>" in page.get_data(as_text=True)
    auth.logout()

    auth.login(colleague)
    response = client.post(f"{URL}/updates/new", data=update_form(), follow_redirects=True)
    assert "Status update logged." in response.get_data(as_text=True)
    assert unread(response.get_data(as_text=True)) == 0  # nobody hears of their own change
    auth.logout()

    auth.login(watcher)
    page = client.get("/").get_data(as_text=True)
    assert unread(page) == 1
    listing = squash(client.get("/notifications").get_data(as_text=True))
    update_id = db.scalars(select(StatusUpdate.id)).one()
    assert "New status update</strong> on" in listing and "by Bo Colleague" in listing
    assert f'href="{URL}#update-{update_id}"' in listing
    [notification_id] = db.scalars(select(Notification.id)).all()
    client.post(f"/notifications/{notification_id}/read", data={"next": "/notifications"})
    assert "Nothing unread." in client.get("/notifications").get_data(as_text=True)
    assert "by Bo Colleague" in client.get("/notifications?show=all").get_data(as_text=True)
    assert unread(client.get("/").get_data(as_text=True)) == 0

    # Unwatched from the notification itself: the next change brings nothing.
    client.post(f"/unwatch/recommendation/{SLUG}", data={"next": "/notifications"})
    db.rollback()  # a fresh transaction: the request wrote since this one began
    add_updates(db, colleague, SLUG, 1)
    assert count(db, Notification) == 1


def test_watching_a_source_an_actor_or_a_theme_notifies_once(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    watcher = make_user(Role.VIEWER)
    colleague = make_user(Role.EDITOR)
    auth.login(watcher)
    for path in (f"/watch/source/{SOURCE}", "/watch/actor/united-states",
                 "/watch/theme/security-cooperation", f"/watch/recommendation/{SLUG}"):  # fmt: skip
        assert client.post(path).status_code == 302
    client.post(f"/watch/source/{SOURCE}")  # twice is once
    db.rollback()
    add_updates(db, colleague, SLUG, 1)
    assert count(db, Notification) == 1
    # A correction and a retraction notify too, and the owner who records them does not.
    update = db.scalars(select(StatusUpdate)).one()
    correct_status_update(
        db, update, editor=colleague, status=Status.STALLED, as_of=update.as_of,
        assessment="Stalled.", confidence=Confidence.HIGH, reason="Misread.",
    )  # fmt: skip
    db.commit()
    kinds = db.scalars(select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == ["update", "correction"]
    assert unread(client.get("/").get_data(as_text=True)) == 2
    client.post("/notifications/read")
    assert unread(client.get("/").get_data(as_text=True)) == 0


def test_a_change_that_rolls_back_leaves_no_notification(
    db: Session, make_user, client: FlaskClient, auth: Auth
) -> None:
    watcher = make_user(Role.VIEWER)
    auth.login(watcher)
    client.post(f"/watch/recommendation/{SLUG}")
    colleague = make_user(Role.ANALYST)
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    record_status_update(
        db, recommendation, author=colleague, status=Status.IN_PROGRESS,
        as_of=dt.date.today(), assessment="Soon undone.", confidence=Confidence.LOW,
        evidence=[EvidenceInput(url="https://example.org/x", title="T", publisher="P",
                                excerpt="E", stance=Stance.SUPPORTS, reliability=Reliability.B,
                                credibility=Credibility.PROBABLE)],
    )  # fmt: skip
    db.flush()
    assert db.scalar(select(func.count()).select_from(Notification)) == 1
    db.rollback()
    assert count(db, Notification) == 0


def test_owners_watch_what_they_are_given(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    owner = make_user(Role.ANALYST)
    auth.login(make_user(Role.EDITOR))
    page = client.get(f"{URL}/owners").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert version
    client.post(f"{URL}/owners", data={"version": version.group(1), "owner": str(owner.id)})
    db.rollback()
    watches = db.scalars(select(Watch.user_id).where(Watch.ended_at.is_(None))).all()
    assert watches == [owner.id]
    add_updates(db, make_user(Role.ANALYST), SLUG, 1)
    assert db.scalars(select(Notification.user_id)).all() == [owner.id]


def test_watching_what_does_not_exist_is_a_404(client: FlaskClient, analyst) -> None:
    assert client.post("/watch/recommendation/no-such-thing").status_code == 404
    assert client.post("/watch/planet/earth").status_code == 404
    assert client.post("/unwatch/source/no-such-source").status_code == 404


def test_notifications_run_as_many_statements_however_many_there_are(
    client: FlaskClient, db: Session, make_user, auth: Auth, count_statements
) -> None:
    watcher = make_user(Role.VIEWER)
    colleague = make_user(Role.ANALYST)
    auth.login(watcher)
    client.post(f"/watch/source/{SOURCE}")
    add_updates(db, colleague, SLUG, 2)
    client.get("/notifications")
    counter = count_statements()
    client.get("/notifications")
    few = counter.count
    for slug in db.scalars(select(Recommendation.slug)).all():
        add_updates(db, colleague, slug, 3)
    counter = count_statements()
    client.get("/notifications")
    assert counter.count == few
    assert unread(client.get("/notifications").get_data(as_text=True)) > 40
