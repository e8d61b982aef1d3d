"""Target dates in the JSON format: `targets[]`, one entry per target as set or changed.

An entry names its recommendation and its `number` in that recommendation's ledger (1 is the
original); entries already stored are kept as they are, by that pair, and the others are set
in order as the target date form sets them, with the time and author they carry.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..auth.services import normalise_email
from ..field_rules import check_fields
from ..models import Recommendation, TargetDate, User
from ..targets.forms import NO_REASON, TARGET
from ..targets.operations import TargetError, set_target_date
from ..vocabulary import TargetOrigin
from .entries import named_recommendations, recommendation_of
from .formats import timestamp

FIELDS = ("recommendation", "number", "target", "origin", "detail", "reason", "author", "set_at")


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
    problems: list[tuple[str, str]] = []
    counts: Counter[str] = Counter()
    recommendations = named_recommendations(session, entries)
    stored = dict(
        session.execute(
            select(TargetDate.recommendation_id, func.max(TargetDate.number)).group_by(
                TargetDate.recommendation_id
            )
        ).all()
    )
    checked = []
    for path, item in entries:
        found: list[tuple[str, str]] = []
        texts = {name: item.get(name) if isinstance(item.get(name), str) else "" for name in FIELDS}
        for name in ("recommendation", "target", "origin", "detail", "reason", "author", "set_at"):
            if item.get(name) is not None and not isinstance(item.get(name), str):
                found.append((f"{path}.{name}", "Expected text."))
        rec = recommendation_of(recommendations, texts["recommendation"], path, found)
        number = item.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            found.append((f"{path}.number", "Expected a whole number from 1."))
            number = None
        data, errors = check_fields(TARGET, texts)
        found += [
            (f"{path}.{name}", error) for name, messages in errors.items() for error in messages
        ]
        if number is not None and number > 1 and not texts["reason"].strip():
            found.append((f"{path}.reason", NO_REASON))
        author = authors.get(normalise_email(texts["author"]))
        try:
            set_at = dt.datetime.fromisoformat(texts["set_at"])
        except ValueError:
            found.append((f"{path}.set_at", "Expected a time, YYYY-MM-DDTHH:MM:SS+00:00."))
            set_at = None
        if set_at is not None:
            set_at = set_at.replace(tzinfo=dt.UTC) if set_at.tzinfo is None else set_at
            if set_at > now:
                found.append((f"{path}.set_at", "The time set cannot be in the future."))
        problems += found
        if not found and rec is not None and author is not None and set_at is not None:
            checked.append((path, rec, number, data, author, set_at))
    checked.sort(key=lambda entry: (entry[1].slug, entry[2]))
    expected: dict[int, int] = {}
    for path, rec, number, data, author, set_at in checked:
        if number <= stored.get(rec.id, 0):
            counts["target dates already present"] = (
                counts.get("target dates already present", 0) + 1
            )
            continue
        following = expected.get(rec.id, stored.get(rec.id, 0) + 1)
        if number != following:
            problems.append((f"{path}.number", f"Expected target number {following} next."))
            continue
        expected[rec.id] = number + 1
        if problems:
            continue  # a refused file: spare the writes
        try:
            set_target_date(
                session, rec, target=data["target"], origin=TargetOrigin(data["origin"]),
                detail=data["detail"], reason=data["reason"], by=author, now=set_at,
            )  # fmt: skip
        except TargetError as error:
            problems.append((f"{path}.{error.field}", str(error)))
        else:
            counts["target dates added"] += 1
    return problems, counts
