"""Actors and themes as managed lists: editors add, rename and merge them."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.models import Actor, AuditEvent, ContentVersion, Recommendation, Theme
from tracker.vocabulary import Role

from .helpers import squash


def actors_of(db: Session, slug: str) -> list[str]:
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == slug)).one()
    links = Recommendation.actors.property.secondary.c
    chosen = select(links.actor_id).where(links.recommendation_id == recommendation.id)
    return sorted(db.scalars(select(Actor.slug).where(Actor.id.in_(chosen))))


def test_everyone_sees_the_lists_with_their_use(client: FlaskClient, analyst) -> None:
    page = squash(client.get("/actors/").get_data(as_text=True))
    assert (
        '<td><a href="/?actor=unami">UN Assistance Mission for Iraq (UNAMI)</a></td>'
        ' <td data-label="Slug"><code>unami</code></td> <td data-label="Recommendations">2</td>'
        in page
    )
    assert "Add an actor" not in page and "/rename" not in page
    page = squash(client.get("/themes/").get_data(as_text=True))
    assert '<td><a href="/?theme=sanctions">Sanctions</a></td>' in page
    assert client.get("/places/").status_code == 404


def test_only_editors_change_the_lists(client: FlaskClient, analyst) -> None:
    assert client.post("/actors/", data={"name": "Turkey"}).status_code == 403
    assert client.get("/actors/unami/rename").status_code == 403
    assert client.post("/themes/sanctions/merge", data={"into": "1"}).status_code == 403


def test_editor_adds_an_actor_and_a_theme(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    response = client.post("/actors/", data={"name": "Government of Türkiye"})
    assert response.headers["Location"] == "/actors/"
    assert (
        client.post("/themes/", data={"name": "Water", "slug": "water-security"}).status_code == 302
    )
    db.rollback()
    assert (
        db.scalars(select(Actor.slug).where(Actor.name == "Government of Türkiye")).one()
        == "government-of-turkiye"
    )
    assert db.scalars(select(Theme.name).where(Theme.slug == "water-security")).one() == "Water"
    assert db.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(2)).all() == [
        "theme.create", "actor.create",
    ]  # fmt: skip


def test_a_duplicate_or_malformed_entry_is_refused(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    page = squash(
        client.post("/actors/", data={"name": "united states", "slug": "usa"}).get_data(
            as_text=True
        )
    )
    assert (
        '<p class="error" id="name-error">The actor “united-states” already has this name.</p>'
        in page
    )
    page = squash(
        client.post("/actors/", data={"name": "Iran", "slug": "Iran!"}).get_data(as_text=True)
    )
    assert (
        '<p class="error" id="slug-error">Use lowercase letters, digits and single hyphens' in page
    )
    assert 'value="Iran!"' in page
    page = squash(client.post("/themes/", data={"name": "", "slug": "x"}).get_data(as_text=True))
    assert '<p class="error" id="name-error">This field is required.</p>' in page
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Actor)) == 8


def test_renaming_keeps_the_slug_and_every_link(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    response = client.post("/actors/unami/rename", data={"name": "United Nations mission in Iraq"})
    assert response.headers["Location"] == "/actors/"
    assert "United Nations mission in Iraq" in client.get("/?actor=unami").get_data(as_text=True)
    page = squash(
        client.post("/actors/unami/rename", data={"name": "Government of Iraq"}).get_data(
            as_text=True
        )
    )
    assert (
        '<p class="error" id="name-error">The actor “government-of-iraq” already has this name.</p>'
        in page
    )
    db.rollback()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "actor.rename")).one()
    assert (event.before, event.after) == (
        {"name": "UN Assistance Mission for Iraq (UNAMI)"},
        {"name": "United Nations mission in Iraq"},
    )
    assert client.get("/actors/no-such-actor/rename").status_code == 404


def test_merging_actors_moves_their_recommendations_with_new_versions(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    # Both are addressed by one recommendation; only the President by another.
    assert actors_of(db, "crisis-cell-interim-government") == [
        "government-of-iraq",
        "iraqi-political-blocs",
        "president-of-iraq",
    ]
    merge_page = squash(client.get("/actors/president-of-iraq/merge").get_data(as_text=True))
    assert "The 3 recommendations filed under “President of Iraq” move" in merge_page
    into = db.scalars(select(Actor.id).where(Actor.slug == "government-of-iraq")).one()
    response = client.post("/actors/president-of-iraq/merge", data={"into": str(into)})
    assert response.headers["Location"] == "/actors/"
    db.rollback()
    assert db.scalars(select(Actor).where(Actor.slug == "president-of-iraq")).first() is None
    assert actors_of(db, "crisis-cell-interim-government") == [
        "government-of-iraq",
        "iraqi-political-blocs",
    ]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "actor.merge")).one()
    assert event.before == {"slug": "president-of-iraq", "name": "President of Iraq"}
    assert event.after["into"] == "government-of-iraq" and len(event.after["recommendations"]) == 3
    history = squash(
        client.get("/recommendations/crisis-cell-interim-government/history").get_data(as_text=True)
    )
    assert "Changes from version 1 to version 2" in history
    assert (
        db.scalar(
            select(func.count()).select_from(ContentVersion).where(ContentVersion.number == 2)
        )
        == 3
    )
    assert "/?actor=president-of-iraq" not in client.get("/actors/").get_data(as_text=True)


def test_merging_a_theme_refiles_its_recommendations(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    into = db.scalars(select(Theme).where(Theme.slug == "de-escalation")).one()
    before = db.scalar(select(func.count()).where(Recommendation.theme_id == into.id))
    sanctions = db.scalar(
        select(func.count())
        .select_from(Recommendation)
        .where(Recommendation.theme.has(slug="sanctions"))
    )
    assert sanctions > 0
    assert client.post("/themes/sanctions/merge", data={"into": str(into.id)}).status_code == 302
    db.rollback()
    assert (
        db.scalar(select(func.count()).where(Recommendation.theme_id == into.id))
        == before + sanctions
    )
    assert db.scalars(select(Theme).where(Theme.slug == "sanctions")).first() is None


def test_an_entry_cannot_be_merged_into_itself(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    itself = db.scalars(select(Theme.id).where(Theme.slug == "sanctions")).one()
    page = squash(
        client.post("/themes/sanctions/merge", data={"into": str(itself)}).get_data(as_text=True)
    )
    assert '<p class="error" id="into-error">Not a valid choice.</p>' in page
    db.rollback()
    assert db.scalars(select(Theme).where(Theme.slug == "sanctions")).first() is not None
