"""What changed since I last looked: counted by when logged, marked, listed, reset."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Recommendation, StatusUpdate
from tracker.recommendations.operations import load_recommendation, record_review
from tracker.status_updates import correct_status_update, retract_status_update
from tracker.vocabulary import Confidence, Role, Status

from .conftest import Auth
from .helpers import SLUG, add_updates, squash

OTHER = "un-supported-talks-on-coalition-presence"


def changed_rows(page: str) -> list[str]:
    return re.findall(
        r'<tr class="[^"]*is-changed[^"]*">\s*<td[^>]*>\d+</td>\s*<td[^>]*>\s*'
        r'<a href="/recommendations/([a-z0-9-]+)"',
        page,
    )


def test_five_changes_by_a_colleague_are_counted_marked_listed_and_reset(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    reader = make_user(Role.ANALYST, name="Reader Analyst")
    colleague = make_user(Role.EDITOR, name="Colleague Editor")
    auth.login(reader)
    first = squash(client.get("/").get_data(as_text=True))
    assert "No change since you last looked on" in first
    assert changed_rows(first) == []

    # Five changes: a backfilled update, a second one, its correction, its retraction, a review.
    add_updates(db, colleague, SLUG, 2, start=dt.date(2020, 3, 1))
    updates = db.scalars(select(StatusUpdate).order_by(StatusUpdate.id)).all()
    correct_status_update(
        db, updates[0], editor=colleague, status=Status.STALLED, as_of=dt.date(2020, 3, 1),
        assessment="Stalled after all.", confidence=Confidence.HIGH, reason="Misread.",
    )  # fmt: skip
    retract_status_update(db, updates[1], editor=colleague, reason="Wrong recommendation.")
    db.commit()
    other = load_recommendation(db, OTHER)
    assert other is not None
    record_review(db, other, reviewer=colleague, checked_on=dt.date.today())
    db.commit()
    # The reader's own change is not news to them.
    add_updates(db, reader, OTHER, 1)

    page = squash(client.get("/").get_data(as_text=True))
    assert '<span id="change-count">5</span> changes</a> since you last looked on' in page
    assert sorted(changed_rows(page)) == sorted([SLUG, OTHER])
    listing = squash(client.get("/changes").get_data(as_text=True))
    assert "5 changes since you last looked on" in listing
    labels = re.findall(r"</time></td> <td>([^<]+)</td>", listing)
    assert sorted(labels) == sorted(
        ["New status update"] * 2 + ["Correction", "Retraction", "Re-checked, no change"]
    )
    assert listing.count("Colleague Editor") == 5 and "Reader Analyst</td>" not in listing
    assert f'href="/recommendations/{SLUG}#update-{updates[0].id}"' in listing

    response = client.post("/changes/seen", follow_redirects=True)
    page = squash(response.get_data(as_text=True))
    assert "All changes marked as seen." in page
    assert "No change since you last looked on" in page
    assert changed_rows(page) == []
    # Kept on the server: another browser of the same account sees the same.
    elsewhere = client.application.test_client()
    Auth(elsewhere).login(reader)
    assert "No change since you last looked on" in squash(elsewhere.get("/").get_data(as_text=True))


def test_assignments_and_new_recommendations_count_as_changes(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    reader = make_user(Role.VIEWER)
    editor = make_user(Role.EDITOR, name="Eddie Editor")
    auth.login(editor)
    page = client.get(f"/recommendations/{SLUG}/owners").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert version
    client.post(
        f"/recommendations/{SLUG}/owners",
        data={"version": version.group(1), "owner": str(editor.id)},
    )
    auth.logout()
    auth.login(reader)
    listing = squash(client.get("/changes").get_data(as_text=True))
    assert "1 change since you last looked on" in listing
    assert "Owner assigned" in listing and "Eddie Editor" in listing


def test_the_changes_list_runs_as_many_statements_however_many_changes(
    client: FlaskClient, db: Session, make_user, auth: Auth, count_statements
) -> None:
    reader = make_user(Role.VIEWER)
    colleague = make_user(Role.ANALYST)
    auth.login(reader)
    add_updates(db, colleague, SLUG, 2)
    client.get("/changes")
    counter = count_statements()
    client.get("/changes")
    client.get("/")
    few = counter.count
    slugs = db.scalars(select(Recommendation.slug)).all()
    for slug in slugs:
        add_updates(db, colleague, slug, 4)
    counter = count_statements()
    client.get("/changes")
    client.get("/")
    assert counter.count == few
    assert f"{2 + 4 * len(slugs)} changes since" in squash(
        client.get("/changes").get_data(as_text=True)
    )
