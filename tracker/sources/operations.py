"""Adding and editing sources: each function adds and flushes, never commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit
from ..catalogue import CatalogueError, check_slug, required
from ..models import ContentVersion, Recommendation, Source, User
from ..versions import record_version, save
from ..vocabulary import DatePrecision, SourceKind


def create_source(
    session: Session,
    *,
    slug: str,
    kind: SourceKind,
    title: str,
    author: str,
    publisher: str,
    url: str,
    published_on: dt.date,
    date_precision: DatePrecision,
    text: str | None,
    language: str = "en",
    translations: dict[str, dict[str, str]] | None = None,
    by: User | None,
    published: bool = False,
) -> Source:
    """Add a source: an article, a report or a paper that makes recommendations."""
    check_slug(session, Source, slug)
    if not url.lower().startswith(("http://", "https://")):
        raise CatalogueError("url", _("Use a link that starts with http:// or https://."))
    if published_on > dt.date.today():
        raise CatalogueError("published_on", _("The date cannot be in the future."))
    source = Source(
        slug=slug,
        kind=kind,
        title=required("title", title, 300),
        author=required("author", author, 200),
        publisher=required("publisher", publisher, 200),
        url=required("url", url, 2000),
        published_on=published_on,
        date_precision=date_precision,
        text=text or None,
        published=published,
        language=language,
        translations=translations or {},
    )
    session.add(source)
    session.flush()
    record_version(session, source, by)
    audit.record(
        session, "source.create", user=by, target=source,
        after={"slug": slug, "title": source.title, "url": source.url, "published": published},
    )  # fmt: skip
    return source


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
                _(
                    "The full text must contain every recommendation's passage; missing: "
                    "%(missing)s.",
                    missing="; ".join(missing),
                ),
            )
    language = values.get("language", source.language)
    if language != source.language:
        # Its recommendations are written in its language: their titles, summaries, passages.
        session.execute(
            update(Recommendation)
            .where(Recommendation.source_id == source.id)
            .values(language=language)
        )
    return save(session, source, editor, expected_version, values)
