"""Adding, loading and editing recommendations: each function adds and flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from .. import audit
from ..catalogue import CatalogueError, check_slug, required
from ..models import Actor, ContentVersion, Recommendation, Source, Theme, User
from ..versions import record_version, save


def load_recommendation(session: Session, slug: str) -> Recommendation | None:
    return session.scalars(
        select(Recommendation)
        .where(Recommendation.slug == slug)
        .options(
            joinedload(Recommendation.source),
            joinedload(Recommendation.theme),
            selectinload(Recommendation.actors),
        )
    ).first()


def create_recommendation(
    session: Session,
    source: Source,
    *,
    slug: str,
    title: str,
    summary: str,
    passage: str,
    theme: Theme,
    actors: Sequence[Actor],
    condition: str | None = None,
    position: int | None = None,
    by: User | None,
) -> Recommendation:
    """Add a recommendation to a source, last unless `position` says where."""
    check_slug(session, Recommendation, slug)
    passage = required("passage", passage, 10_000)
    check_passage(source, passage)
    if not actors:
        raise CatalogueError("actors", "Address the recommendation to at least one actor.")
    if position is None:
        last = session.scalar(
            select(func.max(Recommendation.position)).where(Recommendation.source_id == source.id)
        )
        position = (last or 0) + 1
    recommendation = Recommendation(
        source_id=source.id,
        slug=slug,
        position=position,
        title=required("title", title, 200),
        summary=required("summary", summary, 5_000),
        passage=passage,
        theme_id=theme.id,
        condition=condition or None,
        actors=list(actors),
    )
    session.add(recommendation)
    session.flush()
    record_version(session, recommendation, by)
    audit.record(
        session, "recommendation.create", user=by, target=recommendation,
        after={"slug": slug, "source": source.slug, "title": recommendation.title},
    )  # fmt: skip
    return recommendation


def check_passage(source: Source, passage: str) -> None:
    """Refuse a passage that is not word for word in the source's full text, when it has one."""
    if source.text is not None and passage not in source.text:
        raise CatalogueError("passage", passage_mismatch(source.text, passage))


def passage_mismatch(text: str, passage: str) -> str:
    """Say where a passage stops matching the source's full text."""
    words = passage.split()
    flat_text = " ".join(text.split())
    matched = 0
    for count in range(1, len(words) + 1):
        if " ".join(words[:count]) in flat_text:
            matched = count
        else:
            break
    if matched == len(words):
        return (
            "The passage matches the full text only if line breaks and spaces are ignored: "
            "copy it exactly."
        )
    if matched == 0:
        return (
            "The passage is not in the source's full text: "
            f"it differs from the first word, “{words[0]}”."
        )
    return (
        "The passage is not in the source's full text: it matches up to "
        f"“{' '.join(words[max(0, matched - 6) : matched])}” and differs from “{words[matched]}”."
    )


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
