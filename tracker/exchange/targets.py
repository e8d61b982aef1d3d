"""Target dates in the JSON format: `targets[]`, one entry per target as set or changed.

An entry names its recommendation and its `number` in that recommendation's ledger (1 is the
original); entries already stored are kept as they are, by that pair, and the others are set
in order as the target date form sets them, with the time and author they carry.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..auth.services import normalise_email
from ..models import Recommendation, TargetDate, User
from ..targets.forms import NO_REASON, TARGET
from ..targets.operations import TargetError, set_target_date
from ..vocabulary import TargetOrigin
from .entries import Entries, Numbering, numbers_stored, read_time
from .formats import timestamp

FIELDS = ("recommendation", "target", "origin", "detail", "reason", "author", "set_at")


def load_targets(session: Session) -> list[TargetDate]:
    """Load every target date with what its entry names, in the exports' order."""
    rows = session.execute(
        select(TargetDate, Recommendation.slug)
        .join(Recommendation, Recommendation.id == TargetDate.recommendation_id)
        .options(joinedload(TargetDate.author))
    ).all()
    rows.sort(key=lambda row: (row.slug, row.TargetDate.number))
    return [row.TargetDate for row in rows]


def target_records(session: Session) -> list[dict[str, Any]]:
    slugs = dict(session.execute(select(Recommendation.id, Recommendation.slug)).all())
    return [
        {
            "recommendation": slugs[entry.recommendation_id],
            "number": entry.number,
            "target": entry.target.isoformat(),
            "origin": entry.origin.value,
            "detail": entry.detail,
            "reason": entry.reason,
            "author": entry.author.email,
            "set_at": timestamp(entry.created_at),
        }
        for entry in load_targets(session)
    ]


def target_authors(session: Session) -> dict[str, str]:
    """Map the email of everyone who set a target to their name."""
    return {entry.author.email: entry.author.name for entry in load_targets(session)}


def wanted_authors(entries: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """The (path, email) of each entry's author, for the importer to find or create."""
    return [(f"{path}.author", str(item.get("author") or "")) for path, item in entries]


def add_targets(
    session: Session,
    entries: list[tuple[str, Any]],
    authors: dict[str, User],
    now: dt.datetime,
) -> tuple[list[tuple[str, str]], Counter[str]]:
    """Set the target dates the database lacks; return the problems (path, message) and counts."""
    reader = Entries(session, entries)
    checked = []
    for entry, found in reader.each(FIELDS, TARGET):
        path, item = entry.path, entry.item
        texts, data = entry.texts, entry.data
        if entry.number is not None and entry.number > 1 and not texts["reason"].strip():
            found.append((f"{path}.reason", NO_REASON))
        author = authors.get(normalise_email(texts["author"]))
        set_at = read_time(item, "set_at", path, now, found)
        if not found and author is not None and set_at is not None:
            checked.append((entry, (data, author, set_at)))
    numbers = Numbering(numbers_stored(session, TargetDate), "Expected target number {} next.")
    for entry, (data, author, set_at) in reader.new_in_order(
        checked, numbers, "target dates already present"
    ):
        try:
            set_target_date(
                session, entry.recommendation, target=data["target"],
                origin=TargetOrigin(data["origin"]), detail=data["detail"],
                reason=data["reason"], by=author, now=set_at,
            )  # fmt: skip
        except TargetError as error:
            reader.problems.append((f"{entry.path}.{error.field}", str(error)))
        else:
            reader.counts["target dates added"] += 1
    return reader.problems, reader.counts
