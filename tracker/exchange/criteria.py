"""Criteria in the JSON format: `criteria[]`, one entry per version of each criterion.

An entry names its recommendation, the criterion's `number` there and the `version`; entries
already stored are kept as they are, by those three, and the others are written in order as
the criteria editor writes them, with the time and author they carry. What updates say of
criteria travels with each update (`criteria` in its entry, by criterion number).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..auth.services import normalise_email
from ..criteria.forms import CRITERION
from ..criteria.operations import CriterionError, add_criterion, revise_criterion
from ..field_rules import check_fields
from ..models import Criterion, CriterionVersion, Recommendation, User
from ..vocabulary import CriterionKind
from .entries import named_recommendations, read_time, recommendation_of, texts_of, whole_number
from .formats import timestamp

FIELDS = ("recommendation", "kind", "text", "reason", "author", "written_at")


def load_versions(session: Session) -> list[tuple[str, Criterion, CriterionVersion]]:
    """Every criterion's versions with their recommendation's slug, in the exports' order."""
    rows = session.execute(
        select(Recommendation.slug, Criterion, CriterionVersion)
        .join(Criterion, Criterion.recommendation_id == Recommendation.id)
        .join(CriterionVersion, CriterionVersion.criterion_id == Criterion.id)
        .options(joinedload(CriterionVersion.author))
    ).all()
    rows.sort(key=lambda row: (row[0], row[1].number, row[2].number))
    return [tuple(row) for row in rows]  # type: ignore[misc]


def criterion_records(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "recommendation": slug,
            "number": criterion.number,
            "kind": criterion.kind.value,
            "version": version.number,
            "text": version.text,
            "withdrawn": version.withdrawn,
            "reason": version.reason,
            "author": version.author.email,
            "written_at": timestamp(version.created_at),
        }
        for slug, criterion, version in load_versions(session)
    ]


def criterion_authors(session: Session) -> dict[str, str]:
    """Map the email of everyone who wrote a criterion's version to their name."""
    return {version.author.email: version.author.name for _, _, version in load_versions(session)}


def add_criteria(
    session: Session,
    entries: list[tuple[str, Any]],
    authors: dict[str, User],
    now: dt.datetime,
) -> tuple[list[tuple[str, str]], Counter[str]]:
    """Write the criteria versions the database lacks; return the problems and counts."""
    problems: list[tuple[str, str]] = []
    counts: Counter[str] = Counter()
    recommendations = named_recommendations(session, entries)
    stored: dict[tuple[int, int], tuple[Criterion, int]] = {
        (criterion.recommendation_id, criterion.number): (criterion, latest)
        for criterion, latest in session.execute(
            select(Criterion, func.max(CriterionVersion.number))
            .join(CriterionVersion, CriterionVersion.criterion_id == Criterion.id)
            .group_by(Criterion.id)
        )
    }
    checked = []
    for path, item in entries:
        found: list[tuple[str, str]] = []
        texts = texts_of(item, FIELDS, path, found)
        rec = recommendation_of(recommendations, texts["recommendation"], path, found)
        number = whole_number(item, "number", path, found)
        version = whole_number(item, "version", path, found)
        withdrawn = item.get("withdrawn", False)
        if not isinstance(withdrawn, bool):
            found.append((f"{path}.withdrawn", "Expected true or false."))
        data, errors = check_fields(CRITERION, texts)
        found += [
            (f"{path}.{name}", error) for name, messages in errors.items() for error in messages
        ]
        author = authors.get(normalise_email(texts["author"]))
        at = read_time(item, "written_at", path, now, found)
        problems += found
        if not found and rec is not None and author is not None and at is not None:
            checked.append((path, rec, number, version, data, withdrawn, author, at))
    checked.sort(key=lambda entry: (entry[1].slug, entry[2], entry[3]))
    expected: dict[tuple[int, int], int] = {}
    for path, rec, number, version, data, withdrawn, author, at in checked:
        known = stored.get((rec.id, number))
        if known is not None and version <= known[1]:
            counts["criteria versions already present"] += 1
            continue
        following = expected.get((rec.id, number), known[1] + 1 if known else 1)
        if version != following:
            problems.append((f"{path}.version", f"Expected version {following} next."))
            continue
        expected[(rec.id, number)] = version + 1
        if problems:
            continue  # a refused file: spare the writes
        try:
            if known is None:
                first = max((n for (r, n) in stored if r == rec.id), default=0) + 1
                if number != first or withdrawn:
                    problems.append(
                        (f"{path}.number", f"Expected criterion number {first}, as first written.")
                    )
                    continue
                criterion = add_criterion(
                    session, rec, kind=CriterionKind(data["kind"]), text=data["text"], by=author,
                    now=at,
                )  # fmt: skip
                stored[(rec.id, number)] = (criterion, 1)
            else:
                if known[0].kind.value != data["kind"]:
                    problems.append(
                        (f"{path}.kind", "A criterion keeps the kind it was written with.")
                    )
                    continue
                revise_criterion(
                    session, known[0], text=data["text"], withdrawn=withdrawn,
                    reason=data["reason"], by=author, now=at,
                )  # fmt: skip
                stored[(rec.id, number)] = (known[0], version)
        except CriterionError as error:
            problems.append((f"{path}.{error.field}", str(error)))
        else:
            counts["criteria versions added"] += 1
    return problems, counts


def criteria_by_number(session: Session) -> dict[tuple[int, int], int]:
    """Map (recommendation id, criterion number) to the criterion's id, for updates' marks."""
    return {
        (rec_id, number): id_
        for id_, rec_id, number in session.execute(
            select(Criterion.id, Criterion.recommendation_id, Criterion.number)
        )
    }
