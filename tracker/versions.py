"""Versions of sources and recommendations: a snapshot after every save, and their diffs.

`save` is how an editor's change is written: versioned, audited, and never a silent
overwrite of someone else's newer save (`EditConflict`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from . import audit
from .models import (
    ContentVersion,
    Recommendation,
    Source,
    Theme,
    User,
    recommendation_co_owner,
    utcnow,
)
from .vocabulary import N_, translate

Versioned = Source | Recommendation

LABELS = {
    "title": N_("Title"),
    "summary": N_("Summary"),
    "passage": N_("Passage"),
    "theme": N_("Theme"),
    "actors": N_("Addressed to"),
    "condition": N_("Condition"),
    "position": N_("Position"),
    "source": N_("Source"),
    "kind": N_("Kind"),
    "author": N_("Author"),
    "publisher": N_("Publisher"),
    "url": N_("Link"),
    "published_on": N_("Published on"),
    "date_precision": N_("Date precision"),
    "text": N_("Full text"),
    "owner": N_("Owner"),
    "co_owners": N_("Co-owners"),
    "review_every_days": N_("Review every (days)"),
    "published": N_("Published on the public site"),
    "language": N_("Language"),
}


def field_label(key: str) -> str:
    """A field's name in the reader's language; a translation's says which language it is in."""
    field, _, language = key.partition(":")
    label = translate(LABELS.get(field, field))
    return f"{label} ({language})" if language else label


def snapshot(session: Session, entity: Versioned) -> dict[str, Any]:
    """Describe what an editor can change, in plain values."""
    if isinstance(entity, Source):
        return (
            {
                "title": entity.title,
                "kind": entity.kind.value,
                "author": entity.author,
                "publisher": entity.publisher,
                "url": entity.url,
                "published_on": entity.published_on.isoformat(),
                "date_precision": entity.date_precision.value,
                "text": entity.text,
            }
            | language_snapshot(entity)
            | ({"published": True} if entity.published else {})
        )
    source = session.get(Source, entity.source_id)
    theme = session.get(Theme, entity.theme_id)
    assert source is not None and theme is not None
    data = {
        "source": source.slug,
        "position": entity.position,
        "title": entity.title,
        "summary": entity.summary,
        "passage": entity.passage,
        "theme": theme.slug,
        "actors": sorted(actor.slug for actor in entity.actors),
        "condition": entity.condition,
    }
    # Named, never by e-mail address: the history page shows versions to every reader.
    # Present only when set, so that versions saved before owners existed compare equal.
    owner = session.get(User, entity.owner_id) if entity.owner_id else None
    if owner is not None:
        data["owner"] = owner.name
    if "co_owners" in entity.__dict__:
        co_owners = [user.name for user in entity.co_owners]
    elif entity.id is not None:
        co_owners = list(
            session.scalars(
                select(User.name)
                .join(recommendation_co_owner, recommendation_co_owner.c.user_id == User.id)
                .where(recommendation_co_owner.c.recommendation_id == entity.id)
            )
        )
    else:
        co_owners = []
    if co_owners:
        data["co_owners"] = sorted(co_owners)
    if entity.review_every_days:
        data["review_every_days"] = entity.review_every_days
    return data | language_snapshot(entity)


def language_snapshot(entity: Versioned) -> dict[str, Any]:
    """The language and each translation as a field of its own (`title:ar`), present only when
    set, so that versions saved before translations existed compare equal."""
    data: dict[str, Any] = {}
    if isinstance(entity, Source) and entity.language != "en":
        data["language"] = entity.language
    for code, texts in sorted((entity.translations or {}).items()):
        for field, text in sorted(texts.items()):
            data[f"{field}:{code}"] = text
    return data


def record_version(session: Session, entity: Versioned, author: User | None) -> ContentVersion:
    """Keep a snapshot of `entity` as saved; call after the save is flushed."""
    version = ContentVersion(
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        number=entity.version,
        data=snapshot(session, entity),
        author_id=author.id if author else None,
    )
    session.add(version)
    return version


def list_versions(session: Session, entity: Versioned) -> list[ContentVersion]:
    """Load an entity's versions, newest first, with their authors."""
    return list(
        session.scalars(
            select(ContentVersion)
            .where(
                ContentVersion.entity_type == entity.__tablename__,
                ContentVersion.entity_id == entity.id,
            )
            .order_by(ContentVersion.number.desc())
            .options(joinedload(ContentVersion.author))
        )
    )


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str

    @property
    def lines(self) -> list[tuple[str, str]]:
        """Pair each line of a word diff with its kind: "same", "removed" or "added"."""
        kinds = {" ": "same", "-": "removed", "+": "added"}
        return [
            (kinds[line[0]], line[2:])
            for line in difflib.ndiff(self.before.split(), self.after.split())
            if line[0] in kinds
        ]


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """List the fields that differ between two snapshots."""

    def text(value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(value)
        return "" if value is None else str(value)

    return [
        FieldChange(key, field_label(key), text(before.get(key)), text(after.get(key)))
        for key in dict.fromkeys([*after, *before])
        if before.get(key) != after.get(key)
    ]


class EditConflict(Exception):
    """Someone saved a newer version since the editor opened the form."""

    def __init__(self, saved: dict[str, Any], version: int) -> None:
        super().__init__(f"Version {version} was saved meanwhile.")
        self.saved = saved
        self.version = version


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
    changed = [key for key in dict.fromkeys([*after, *before]) if after.get(key) != before.get(key)]
    audit.record(
        session, f"{entity.__tablename__}.edit", user=editor, target=entity,
        before={key: before.get(key) for key in changed} | {"version": expected},
        after={key: after.get(key) for key in changed} | {"version": entity.version},
    )  # fmt: skip
    return version
