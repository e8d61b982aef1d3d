"""The checks every catalogue entry passes: its slug, its required texts, its error.

Each area adds its own entries (`recommendations/operations.py`, `sources/operations.py`,
`lists/operations.py`): it checks what it is given with these, adds and flushes, keeps the
first version of a source or recommendation and records the creation in the audit trail; the
caller commits. The web forms and the importer both add through them, so an entry passes the
same checks either way.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .models import Actor, Base, Recommendation, Source, Theme, User
from .vocabulary import translate

Row = TypeVar("Row", bound=Base)
Catalogued = type[Actor] | type[Theme] | type[Source] | type[Recommendation]

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class CatalogueError(ValueError):
    """An entry or a change refused for a reason the user can fix, naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


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


def check_slug(session: Session, model: Catalogued, slug: str) -> None:
    if not SLUG.fullmatch(slug) or len(slug) > 120:
        raise CatalogueError(
            "slug",
            translate("Use lowercase letters, digits and single hyphens (at most 120 characters)."),
        )
    if session.scalar(select(model.id).where(model.slug == slug)) is not None:
        raise CatalogueError("slug", translate("The slug “%(slug)s” is already taken.", slug=slug))


def required(field: str, value: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise CatalogueError(field, translate("This field is required."))
    if len(value) > limit:
        raise CatalogueError(field, translate("Use at most %(number)s characters.", number=limit))
    return value


def added(session: Session, row: Row, by: User | None, after: dict[str, str]) -> Row:
    session.add(row)
    session.flush()
    audit.record(session, f"{row.__tablename__}.create", user=by, target=row, after=after)
    return row
