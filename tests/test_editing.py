"""Editors' changes to recommendations: versions, diffs, and no lost edits."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Actor, AuditEvent, ContentVersion, Recommendation, Theme
from tracker.vocabulary import Role

from .helpers import SLUG, form_fields, squash

URL = f"/recommendations/{SLUG}"


def edit_form(client: FlaskClient) -> dict[str, object]:
    """Read the edit form as a browser would, with its current values."""
    data = form_fields(client.get(f"{URL}/edit").get_data(as_text=True))
    data.pop("csrf_token", None)
    return data


def test_editor_edits_and_the_history_shows_the_diff(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR, name="Eddie Editor"))
    data = edit_form(client)
    assert data["version"] == "1"
    data["title"] = "Resume anti-ISIS cooperation without delay"
    response = client.post(f"{URL}/edit", data=data, follow_redirects=True)
    assert "Saved." in response.get_data(as_text=True)
    assert "Resume anti-ISIS cooperation without delay" in response.get_data(as_text=True)

    history = squash(client.get(f"{URL}/history").get_data(as_text=True))
    assert "Changes from version 1 to version 2" in history
    assert '<del title="Version 1">a</del>' in history or "<del" in history
    assert '<ins title="Version 2">without</ins>' in history
    assert "Eddie Editor" in history and "Seeds" in history
    versions = db.scalars(
        select(ContentVersion.number).where(
            ContentVersion.entity_type == "recommendation",
            ContentVersion.entity_id
            == db.scalar(select(Recommendation.id).where(Recommendation.slug == SLUG)),
        )
    ).all()
    assert sorted(versions) == [1, 2]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "recommendation.edit")).one()
    assert event.after["title"] == "Resume anti-ISIS cooperation without delay"
    assert event.before["version"] == 1 and event.after["version"] == 2


def test_second_concurrent_save_is_refused_with_both_versions(
    client: FlaskClient, app, db: Session, make_user, auth
) -> None:
    first_editor = make_user(Role.EDITOR)
    second_editor = make_user(Role.EDITOR)
    other = app.test_client()
    auth.login(first_editor)
    other.post(
        "/login", data={"email": second_editor.email, "password": "correct horse battery staple"}
    )

    mine = edit_form(client)
    theirs = edit_form(other)
    theirs["summary"] = "Their summary, saved first."
    assert other.post(f"{URL}/edit", data=theirs).status_code == 302

    mine["title"] = "My title, saved second"
    response = client.post(f"{URL}/edit", data=mine)
    page = squash(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Someone saved version 2 while you were editing." in page
    assert "Their summary, saved first." in page  # their version is shown
    assert 'value="My title, saved second"' in page  # and mine is kept in the form
    stored = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    db.refresh(stored)
    assert (
        stored.summary == "Their summary, saved first." and stored.title != "My title, saved second"
    )

    # Merging: the form now carries version 2, so saving again keeps both changes.
    merged = edit_form(client) | {"title": "My title, saved second"}
    merged["version"] = "2"
    assert client.post(f"{URL}/edit", data=merged).status_code == 302
    db.rollback()  # end this session's read snapshot, to see what the request committed
    db.refresh(stored)
    assert (stored.title, stored.summary, stored.version) == (
        "My title, saved second",
        "Their summary, saved first.",
        3,
    )


def test_passage_must_be_in_the_full_text(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    data = edit_form(client)
    data["passage"] = "Priority should be given to amicably restarting anti-ISIS cooperation"
    page = client.post(f"{URL}/edit", data=data).get_data(as_text=True)
    assert (
        "matches up to “Priority should be given to amicably” and differs from “restarting”" in page
    )
    stored = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    assert stored.version == 1


def test_theme_and_actors_change(client: FlaskClient, db: Session, make_user, auth) -> None:
    auth.login(make_user(Role.EDITOR))
    data = edit_form(client)
    sanctions = db.scalar(select(Theme.id).where(Theme.slug == "sanctions"))
    unami = db.scalar(select(Actor.id).where(Actor.slug == "unami"))
    data.update(theme=str(sanctions), actors=[str(unami)])
    assert client.post(f"{URL}/edit", data=data).status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert "UN Assistance Mission for Iraq (UNAMI)</a></dd>" in page
    data = edit_form(client) | {"actors": []}
    assert "Choose at least one actor." in client.post(f"{URL}/edit", data=data).get_data(
        as_text=True
    )


def test_analysts_cannot_edit(client: FlaskClient, analyst) -> None:
    assert client.get(f"{URL}/edit").status_code == 403
    assert "Edit recommendation" not in client.get(URL).get_data(as_text=True)
