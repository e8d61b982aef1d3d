"""Adding to the catalogue: actors, themes, sources and their recommendations.

Each function checks what it is given, adds and flushes, keeps the first version of a source
or recommendation and records the creation in the audit trail; the caller commits. The web
forms and the importer both add through them, so an entry passes the same checks either way.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit
from .models import Actor, Base, Recommendation, Source, Theme, User
from .versions import record_version
from .vocabulary import DatePrecision, SourceKind

Row = TypeVar("Row", bound=Base)
Catalogued = type[Actor] | type[Theme] | type[Source] | type[Recommendation]

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class CatalogueError(ValueError):
    """An entry or a change refused for a reason the user can fix, naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


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
    by: User | None,
) -> Source:
    """Add a source: an article, a report or a paper that makes recommendations."""
    check_slug(session, Source, slug)
    if not url.lower().startswith(("http://", "https://")):
        raise CatalogueError("url", "Use a link that starts with http:// or https://.")
    if published_on > dt.date.today():
        raise CatalogueError("published_on", "The date cannot be in the future.")
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
    )
    session.add(source)
    session.flush()
    record_version(session, source, by)
    audit.record(
        session, "source.create", user=by, target=source,
        after={"slug": slug, "title": source.title, "url": source.url},
    )  # fmt: skip
    return source


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


def slug_from(title: str) -> str:
    """Suggest a slug for a title: its words in lowercase ASCII, joined by hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower().replace("'", ""))
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 60:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug


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


def check_slug(session: Session, model: Catalogued, slug: str) -> None:
    if not SLUG.fullmatch(slug) or len(slug) > 120:
        raise CatalogueError(
            "slug", "Use lowercase letters, digits and single hyphens (at most 120 characters)."
        )
    if session.scalar(select(model.id).where(model.slug == slug)) is not None:
        raise CatalogueError("slug", f"The slug “{slug}” is already taken.")


def check_name(
    session: Session, model: type[Actor] | type[Theme], name: str, but: Actor | Theme | None = None
) -> str:
    """Refuse a name another actor (or theme) already has: two of them would be one, twice."""
    query = select(model.slug).where(func.lower(model.name) == name.lower())
    if but is not None:
        query = query.where(model.id != but.id)
    taken = session.scalar(query)
    if taken is not None:
        raise CatalogueError("name", f"The {model.__tablename__} “{taken}” already has this name.")
    return name


def required(field: str, value: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise CatalogueError(field, "This field is required.")
    if len(value) > limit:
        raise CatalogueError(field, f"Use at most {limit:,} characters.")
    return value


def added(session: Session, row: Row, by: User | None, after: dict[str, str]) -> Row:
    session.add(row)
    session.flush()
    audit.record(session, f"{row.__tablename__}.create", user=by, target=row, after=after)
    return row
