"""Reading the JSON format's catalogue entries (targets, criteria, signposts): what they share.

Each reader collects its problems as (JSON path, message) pairs in `found`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Recommendation
from .formats import read_time as read_iso_time

Found = list[tuple[str, str]]


def named_recommendations(
    session: Session, entries: list[tuple[str, Any]]
) -> dict[str, Recommendation]:
    """The recommendations the entries name, by slug: one query."""
    slugs = {str(item.get("recommendation")) for _, item in entries}
    return {
        rec.slug: rec
        for rec in session.scalars(select(Recommendation).where(Recommendation.slug.in_(slugs)))
    }


def recommendation_of(
    recommendations: dict[str, Recommendation], slug: str, path: str, found: Found
) -> Recommendation | None:
    rec = recommendations.get(slug)
    if rec is None:
        found.append((f"{path}.recommendation", f"No recommendation has the slug “{slug}”."))
    return rec


def texts_of(
    item: dict[str, Any], names: tuple[str, ...], path: str, found: Found
) -> dict[str, str]:
    """The named members as text; a missing or null one is empty, another kind a problem."""
    for name in names:
        if item.get(name) is not None and not isinstance(item.get(name), str):
            found.append((f"{path}.{name}", "Expected text."))
    return {name: item.get(name) if isinstance(item.get(name), str) else "" for name in names}


def read_time(
    item: dict[str, Any], name: str, path: str, now: dt.datetime, found: Found
) -> dt.datetime | None:
    """Read an entry's time (UTC when it names none); a missing, bad or future one is refused."""
    value = item.get(name)
    return read_iso_time(value if isinstance(value, str) else "", f"{path}.{name}", now, found)


def whole_number(item: dict[str, Any], name: str, path: str, found: Found) -> int | None:
    value = item.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        found.append((f"{path}.{name}", "Expected a whole number from 1."))
        return None
    return value
