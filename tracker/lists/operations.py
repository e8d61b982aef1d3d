"""Actors and themes, the managed lists: adding, renaming and merging entries.

Renaming one keeps its slug, so links and filters still find it; merging one into another
moves its recommendations over, each with a new version, before removing it. Each function
adds and flushes, never commits.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..catalogue import CatalogueError, added, check_slug, required
from ..models import Actor, Recommendation, Theme, User
from ..versions import save


def create_actor(session: Session, *, slug: str, name: str, by: User | None) -> Actor:
    """Add an actor recommendations can be addressed to."""
    check_slug(session, Actor, slug)
    actor = Actor(slug=slug, name=check_name(session, Actor, required("name", name, 200)))
    return added(session, actor, by, {"slug": slug, "name": actor.name})


def create_theme(session: Session, *, slug: str, name: str, by: User | None) -> Theme:
    """Add a theme recommendations can be filed under."""
    check_slug(session, Theme, slug)
    theme = Theme(slug=slug, name=check_name(session, Theme, required("name", name, 200)))
    return added(session, theme, by, {"slug": slug, "name": theme.name})


def check_name(
    session: Session, model: type[Actor] | type[Theme], name: str, but: Actor | Theme | None = None
) -> str:
    """Refuse a name another actor (or theme) already has: two of them would be one, twice."""
    query = select(model.slug).where(func.lower(model.name) == name.lower())
    if but is not None:
        query = query.where(model.id != but.id)
    taken = session.scalar(query)
    if taken is not None:
        raise CatalogueError(
            "name",
            _("The actor “%(name)s” already has this name.", name=taken)
            if model.__tablename__ == "actor"
            else _("The theme “%(name)s” already has this name.", name=taken),
        )
    return name


Listed = Actor | Theme


def actors_by_id(session: Session, ids: list[int]) -> list[Actor]:
    return list(session.scalars(select(Actor).where(Actor.id.in_(ids)))) if ids else []


def rename_entry(session: Session, entry: Listed, *, name: str, editor: User) -> bool:
    """Give an actor or a theme a new name; False when the name is unchanged."""
    name = required("name", name, 200)
    if name == entry.name:
        return False
    check_name(session, type(entry), name, but=entry)
    before = entry.name
    entry.name = name
    session.flush()
    audit.record(
        session, f"{entry.__tablename__}.rename", user=editor, target=entry,
        before={"name": before}, after={"name": name},
    )  # fmt: skip
    return True


def merge_entries(session: Session, entry: Listed, into: Listed, *, editor: User) -> list[str]:
    """Fold an actor or a theme into another and remove it; return the slugs of what moved."""
    if entry.id == into.id:
        raise CatalogueError("into", _("Choose another entry to merge into."))
    filed_under = (
        Recommendation.actors.any(Actor.id == entry.id)
        if isinstance(entry, Actor)
        else Recommendation.theme_id == entry.id
    )
    moved = session.scalars(
        select(Recommendation)
        .where(filed_under)
        .options(selectinload(Recommendation.actors))
        .order_by(Recommendation.id)
    ).all()
    for recommendation in moved:
        values = moved_over(recommendation, entry, into)
        save(session, recommendation, editor, recommendation.version, values)
    slugs = [recommendation.slug for recommendation in moved]
    audit.record(
        session, f"{entry.__tablename__}.merge", user=editor, target=entry,
        before={"slug": entry.slug, "name": entry.name},
        after={"into": into.slug, "recommendations": slugs},
    )  # fmt: skip
    session.delete(entry)
    session.flush()
    return slugs


def moved_over(recommendation: Recommendation, entry: Listed, into: Listed) -> dict[str, Any]:
    """The values that file a recommendation under `into` instead of `entry`."""
    if isinstance(entry, Theme):
        return {"theme_id": into.id}
    actors = [actor for actor in recommendation.actors if actor.id != entry.id]
    return {"actors": actors if into in actors else [*actors, into]}
