"""Owners, the review cadence, "re-checked, no change", and My work."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import (
    AuditEvent,
    ContentVersion,
    Recommendation,
    Review,
    StatusUpdate,
    User,
    recommendation_co_owner,
)
from tracker.vocabulary import Role

from .conftest import Auth
from .helpers import SLUG, add_updates, form_fields, squash

URL = f"/recommendations/{SLUG}"


def owners_form(client: FlaskClient, slug: str = SLUG) -> dict[str, object]:
    """Read the owners form as a browser would, with its current values."""
    data = form_fields(client.get(f"/recommendations/{slug}/owners").get_data(as_text=True))
    data.pop("csrf_token", None)
    return data


def assign(client: FlaskClient, slug: str, owner: User | None, **fields: object) -> str:
    data = owners_form(client, slug) | {"owner": str(owner.id if owner else 0)} | fields
    response = client.post(f"/recommendations/{slug}/owners", data=data, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def recommendation(db: Session, slug: str = SLUG) -> Recommendation:
    db.rollback()  # a fresh transaction sees what requests committed since
    return db.scalars(select(Recommendation).where(Recommendation.slug == slug)).one()


def my_work_slugs(page: str) -> list[str]:
    table = page[page.index('id="owned-heading"') :]
    return re.findall(r'<a href="/recommendations/([a-z0-9-]+)">', table)


def test_an_editor_assigns_and_my_work_lists_them_by_due_date(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    analyst = make_user(Role.ANALYST, name="Nadia Analyst")
    editor = make_user(Role.EDITOR, name="Eddie Editor")
    slugs = db.scalars(select(Recommendation.slug).order_by(Recommendation.position)).all()[:3]
    # Checked 80, 20 and 50 days ago: due in 10, 70 and 40 days.
    for slug, days in zip(slugs, (80, 20, 50), strict=True):
        add_updates(db, editor, slug, 1, start=dt.date.today() - dt.timedelta(days=days))
    auth.login(editor)
    for slug in slugs:
        assert "Owners saved." in assign(client, slug, analyst)
    auth.logout()

    auth.login(analyst)
    page = client.get("/me").get_data(as_text=True)
    assert my_work_slugs(page) == [slugs[0], slugs[2], slugs[1]]
    assert 'id="mine-due">0<' in page
    due_dates = re.findall(r'<time datetime="([\d-]+)">\1</time></td>\s*<td>Owner', page)
    assert due_dates == sorted(due_dates) and len(due_dates) == 3
    # The three assignments are new to the analyst, with who made them.
    assigned = squash(page[: page.index('id="owned-heading"')])
    assert assigned.count("owner, by Eddie Editor") == 3
    # The dashboard filters to the same three.
    mine = client.get("/?owner=me").get_data(as_text=True)
    assert sorted(re.findall(r'<a href="/recommendations/([a-z0-9-]+)">', mine)) == sorted(slugs)


def test_a_re_check_restarts_the_clock_without_changing_the_status(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    analyst = make_user(Role.ANALYST, name="Nadia Analyst")
    add_updates(db, analyst, SLUG, 1, start=dt.date.today() - dt.timedelta(days=120))
    rec = recommendation(db)
    rec.owner_id = analyst.id
    db.commit()
    auth.login(analyst)
    before = squash(client.get(URL).get_data(as_text=True))
    assert '<span class="badge due">Due for review</span>' in before
    assert 'Current status: <span class="badge status-in_progress">' in before

    response = client.post(
        f"{URL}/reviews/new",
        data={
            "checked_on": dt.date.today().isoformat(),
            "note": "Looked at the *news*: nothing new.",
            "evidence_url": "https://news.example.org/nothing-new",
            "evidence_title": "Nothing new",
        },
        follow_redirects=True,
    )
    page = squash(response.get_data(as_text=True))
    assert "Re-check recorded: the status stays as it was." in page
    assert '<span class="badge due">Due for review</span>' not in page
    due_on = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    assert f'id="review-due-on">{due_on}</time>' in page
    assert 'Current status: <span class="badge status-in_progress">' in page
    assert "Re-checked, no change</span> on" in page and "<em>news</em>" in page
    assert db.scalars(select(StatusUpdate.id)).all() == [rec.current_update_id]
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.action == "review.create")).all()

    # The day before, the review had not happened: due, and not in the timeline.
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    then = squash(client.get(f"{URL}?as_of={yesterday}").get_data(as_text=True))
    assert '<span class="badge due">Due for review</span>' in then
    assert "Re-checked, no change</span> on" not in then
    assert SLUG in client.get(f"/?review=due&as_of={yesterday}").get_data(as_text=True)
    assert f"/recommendations/{SLUG}" not in re.sub(
        r"<nav.*?</nav>", "", client.get("/?review=due").get_data(as_text=True), flags=re.S
    )


def test_a_review_known_on_a_day_before_it_was_logged_is_not_shown(
    client: FlaskClient, db: Session, analyst
) -> None:
    rec = recommendation(db)
    db.add(
        Review(
            recommendation_id=rec.id,
            reviewer_id=analyst.id,
            checked_on=dt.date.today() - dt.timedelta(days=20),
            note="Backfilled.",
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    db.commit()
    shown = squash(client.get(URL).get_data(as_text=True))
    assert "Re-checked, no change</span> on" in shown
    earlier = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    then = squash(client.get(f"{URL}?known_on={earlier}").get_data(as_text=True))
    assert "Re-checked, no change</span> on" not in then
    assert "Never assessed nor reviewed" in then


def test_the_review_form_refuses_bad_input_and_writes_nothing(
    client: FlaskClient, db: Session, analyst
) -> None:
    rec = recommendation(db)
    rec.owner_id = analyst.id
    db.commit()
    page = client.post(f"{URL}/reviews/new", data={}).get_data(as_text=True)
    assert "Nothing was saved" in page
    assert "Enter the date you re-checked it." in page
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    page = client.post(
        f"{URL}/reviews/new",
        data={"checked_on": tomorrow, "evidence_url": "ftp://example.org/x"},
    ).get_data(as_text=True)
    assert "The date cannot be in the future." in page
    assert "Use a link that starts with http:// or https://." in page
    assert "Give the evidence a title." in page
    assert db.scalars(select(Review)).all() == []


def test_only_owners_and_editors_record_reviews(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    auth.login(make_user(Role.ANALYST))
    assert client.get(f"{URL}/reviews/new").status_code == 403
    assert (
        client.post(f"{URL}/reviews/new", data={"checked_on": dt.date.today()}).status_code == 403
    )
    assert client.get("/recommendations/no-such-thing/reviews/new").status_code == 404
    assert client.get(f"{URL}/owners").status_code == 403
    assert client.post("/recommendations/no-such-thing/take", data={}).status_code == 404
    co_owner = make_user(Role.ANALYST)
    db.execute(
        recommendation_co_owner.insert().values(
            recommendation_id=recommendation(db).id, user_id=co_owner.id
        )
    )
    db.commit()
    auth.logout()
    auth.login(co_owner)
    assert client.get(f"{URL}/reviews/new").status_code == 200
    assert db.scalars(select(Review)).all() == []


def test_an_analyst_takes_an_unowned_one_but_not_an_owned_one(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    first = make_user(Role.ANALYST, name="First Analyst")
    second = make_user(Role.ANALYST, name="Second Analyst")
    auth.login(first)
    page = client.get(URL).get_data(as_text=True)
    assert "Take it" in page
    version = form_fields(page[page.index('action="/recommendations/') :])["version"]
    response = client.post(f"{URL}/take", data={"version": version}, follow_redirects=True)
    assert "You own this recommendation now." in response.get_data(as_text=True)
    assert recommendation(db).owner_id == first.id
    auth.logout()
    auth.login(second)
    page = client.get(URL).get_data(as_text=True)
    assert "Take it" not in page and "First Analyst" in page
    response = client.post(
        f"{URL}/take", data={"version": str(recommendation(db).version)}, follow_redirects=True
    )
    assert "First Analyst already owns this recommendation." in response.get_data(as_text=True)
    assert recommendation(db).owner_id == first.id
    # Taking shows in My work as taken by oneself, and in the history.
    auth.logout()
    auth.login(first)
    assert "owner, by First Analyst" in squash(client.get("/me").get_data(as_text=True))
    history = squash(client.get(f"{URL}/history").get_data(as_text=True))
    assert "Owner" in history and "First Analyst" in history


def test_assignments_are_versioned_audited_and_checked(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    owner = make_user(Role.ANALYST, name="Owner Person", email="owner.person@example.org")
    helper = make_user(Role.EDITOR, name="Helper Person")
    viewer = make_user(Role.VIEWER, name="Viewer Person")
    auth.login(make_user(Role.EDITOR, name="Eddie Editor"))
    form = client.get(f"{URL}/owners").get_data(as_text=True)
    assert "Viewer Person" not in form  # viewers cannot own
    assert "owner.person@example.org" not in form

    page = assign(client, SLUG, owner, co_owners=[str(owner.id)], review_every_days="0")
    assert "Nothing was saved" in page
    assert "The owner cannot also be a co-owner." in page
    assert "Between 1 and 3650 days." in page
    page = assign(client, SLUG, viewer)
    assert "Not a valid choice" in page
    assert recommendation(db).owner_id is None

    page = assign(client, SLUG, owner, co_owners=[str(helper.id)], review_every_days="30")
    assert "Owners saved." in page, page
    rec = recommendation(db)
    assert (rec.owner_id, rec.review_every_days) == (owner.id, 30)
    history = squash(client.get(f"{URL}/history").get_data(as_text=True))
    assert "Owner Person" in history and "Helper Person" in history
    assert "owner.person@example.org" not in history
    version = db.scalars(
        select(ContentVersion)
        .where(ContentVersion.entity_type == "recommendation", ContentVersion.entity_id == rec.id)
        .order_by(ContentVersion.number.desc())
    ).first()
    assert version is not None
    assert version.data["owner"] == "Owner Person"
    assert version.data["co_owners"] == ["Helper Person"]
    assert version.data["review_every_days"] == 30
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "recommendation.edit")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and event.after["owner"] == "Owner Person"
    # A form opened before that save is refused, not applied over it.
    stale = owners_form(client) | {"version": "1", "owner": "0"}
    page = client.post(f"{URL}/owners", data=stale).get_data(as_text=True)
    assert "Someone changed this recommendation while you were assigning it" in page
    assert recommendation(db).owner_id == owner.id
    # Its own cadence shows on its page, and the API names owners without their addresses.
    assert "every 30 days" in squash(client.get(URL).get_data(as_text=True))
    data = client.get(f"/api/v1/recommendations/{SLUG}").json
    assert data["owner"] == {"name": "Owner Person"}
    assert data["co_owners"] == [{"name": "Helper Person"}]
    assert data["review_every_days"] == 30 and data["due_for_review"] is True


def test_new_assignments_stay_until_marked_as_seen(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    analyst = make_user(Role.ANALYST)
    auth.login(make_user(Role.EDITOR, name="Eddie Editor"))
    assign(client, SLUG, analyst)
    auth.logout()
    auth.login(analyst)
    assert "owner, by Eddie Editor" in squash(client.get("/me").get_data(as_text=True))
    assert "owner, by Eddie Editor" in squash(client.get("/me").get_data(as_text=True))
    response = client.post("/me/seen", follow_redirects=True)
    page = squash(response.get_data(as_text=True))
    assert "New assignments marked as seen." in page
    assert "Nothing new assigned to you." in page
    assert SLUG in my_work_slugs(page)


def test_my_work_runs_as_many_statements_however_long_the_history(
    client: FlaskClient, db: Session, analyst, count_statements
) -> None:
    slugs = db.scalars(select(Recommendation.slug)).all()
    for rec in db.scalars(select(Recommendation)):
        rec.owner_id = analyst.id
    db.commit()
    add_updates(db, analyst, slugs[0], 2)
    client.get("/me")
    counter = count_statements()
    client.get("/me")
    few = counter.count
    for slug in slugs:
        add_updates(db, analyst, slug, 20)
    counter = count_statements()
    client.get("/me")
    assert counter.count == few
