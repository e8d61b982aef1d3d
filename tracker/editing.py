"""Editors' changes to the catalogue: versioned, audited, and never a silent overwrite.

Sources and recommendations keep a version per save. Actors and themes are managed lists:
renaming one keeps its slug, so links and filters still find it; merging one into another
moves its recommendations over, each with a new version, before removing it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import audit
from .catalogue import CatalogueError, check_name, check_passage, required
from .models import (
    Actor,
    ContentVersion,
    Recommendation,
    Source,
    Theme,
    User,
    utcnow,
)
from .versions import Versioned, record_version, snapshot

Listed = Actor | Theme


class EditConflict(Exception):
    """Someone saved a newer version since the editor opened the form."""

    def __init__(self, saved: dict[str, Any], version: int) -> None:
        super().__init__(f"Version {version} was saved meanwhile.")
        self.saved = saved
        self.version = version


def edit_recommendation(
    session: Session,
    recommendation: Recommendation,
    *,
    editor: User,
    expected_version: int,
    values: dict[str, Any],
) -> ContentVersion | None:
    """Save an editor's values; None when they change nothing.

    `values` holds title, summary, passage, theme_id, condition and actors (Actor rows).
    """
    source = session.get(Source, recommendation.source_id)
    assert source is not None
    check_passage(source, values["passage"])
    return save(session, recommendation, editor, expected_version, values)


def edit_source(
    session: Session, source: Source, *, editor: User, expected_version: int, values: dict[str, Any]
) -> ContentVersion | None:
    """Save an editor's values for a source; None when they change nothing."""
    text = values.get("text")
    if text is not None:
        passages = session.execute(
            select(Recommendation.title, Recommendation.passage).where(
                Recommendation.source_id == source.id
            )
        ).all()
        missing = [title for title, passage in passages if passage not in text]
        if missing:
            raise CatalogueError(
                "text",
                "The full text must contain every recommendation's passage; missing: "
                + "; ".join(missing)
                + ".",
            )
    return save(session, source, editor, expected_version, values)


def save(
    session: Session, entity: Versioned, editor: User, expected: int, values: dict[str, Any]
) -> ContentVersion | None:
    if entity.version != expected:
        raise EditConflict(snapshot(session, entity), entity.version)
    before = snapshot(session, entity)
    for key, value in values.items():
        setattr(entity, key, value)
    after = snapshot(session, entity)
    if after == before:
        return None
    # Touching the row makes even a change of actors alone an UPDATE of it, and the version
    # column makes that UPDATE match only the version read above: a save that raced past
    # the check fails here instead of overwriting.
    entity.updated_at = utcnow()
    session.flush()
    version = record_version(session, entity, editor)
    changed = [key for key in after if after[key] != before[key]]
    audit.record(
        session, f"{entity.__tablename__}.edit", user=editor, target=entity,
        before={key: before[key] for key in changed} | {"version": expected},
        after={key: after[key] for key in changed} | {"version": entity.version},
    )  # fmt: skip
    return version


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
        raise CatalogueError("into", "Choose another entry to merge into.")
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
