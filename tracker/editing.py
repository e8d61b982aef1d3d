"""Editors' changes to sources and recommendations: versioned, and never a silent overwrite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .models import Actor, ContentVersion, Recommendation, Source, User
from .versions import Versioned, record_version, snapshot


class EditConflict(Exception):
    """Someone saved a newer version since the editor opened the form."""

    def __init__(self, saved: dict[str, Any], version: int) -> None:
        super().__init__(f"Version {version} was saved meanwhile.")
        self.saved = saved
        self.version = version


class EditError(ValueError):
    """An edit refused for a reason the editor can fix, naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


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
    if source.text is not None and values["passage"] not in source.text:
        raise EditError("passage", passage_mismatch(source.text, values["passage"]))
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
            raise EditError(
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
    # The version column makes this UPDATE match only the version read above: a save
    # that raced past the check fails here instead of overwriting.
    session.flush()
    version = record_version(session, entity, editor)
    changed = [key for key in after if after[key] != before[key]]
    audit.record(
        session, f"{entity.__tablename__}.edit", user=editor, target=entity,
        before={key: before[key] for key in changed} | {"version": expected},
        after={key: after[key] for key in changed} | {"version": entity.version},
    )  # fmt: skip
    return version


def passage_mismatch(text: str, passage: str) -> str:
    """Say where a passage stops matching the source's full text."""
    words = passage.split()
    matched = 0
    for count in range(1, len(words) + 1):
        if " ".join(words[:count]) in " ".join(text.split()):
            matched = count
        else:
            break
    if matched == len(words):
        return (
            "The passage matches the full text only if line breaks and spaces are ignored: "
            "copy it exactly."
        )
    if matched == 0:
        return f"The passage is not in the source's full text: it differs from the first word, “{words[0]}”."
    return (
        "The passage is not in the source's full text: it matches up to "
        f"“{' '.join(words[max(0, matched - 6):matched])}” and differs from “{words[matched]}”."
    )


def actors_by_id(session: Session, ids: list[int]) -> list[Actor]:
    return list(session.scalars(select(Actor).where(Actor.id.in_(ids)))) if ids else []
