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
from ..models import Criterion, CriterionVersion, Recommendation, User
from ..vocabulary import CriterionKind
from .entries import Entries, Numbering, read_time, whole_number
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
    reader = Entries(session, entries)
    checked = []
    for entry, found in reader.each(FIELDS, CRITERION):
        path, item = entry.path, entry.item
        version = whole_number(item, "version", path, found)
        withdrawn = item.get("withdrawn", False)
        if not isinstance(withdrawn, bool):
            found.append((f"{path}.withdrawn", "Expected true or false."))
        author = authors.get(normalise_email(entry.texts["author"]))
        at = read_time(item, "written_at", path, now, found)
        if not found and author is not None and at is not None:
            checked.append((entry, (version, withdrawn, author, at)))
    stored = {
        (criterion.recommendation_id, criterion.number): (criterion, last)
        for criterion, last in session.execute(
            select(Criterion, func.max(CriterionVersion.number))
            .join(CriterionVersion, CriterionVersion.criterion_id == Criterion.id)
            .group_by(Criterion.id)
        )
    }
    criteria = {key: criterion for key, (criterion, _) in stored.items()}
    versions = Numbering(
        ((key, last) for key, (_, last) in stored.items()), "Expected version {} next."
    )
    by_version = sorted(checked, key=lambda pair: pair[1][0])
    for entry, (version, withdrawn, author, at) in reader.in_order(by_version):
        rec, path, data = entry.recommendation, entry.path, entry.data
        key = (rec.id, entry.number)
        present = "criteria versions already present"
        if not reader.new(versions, key, version, f"{path}.version", present):
            continue
        criterion = criteria.get(key)
        try:
            if criterion is None:
                first = max((n for (r, n) in criteria if r == rec.id), default=0) + 1
                if entry.number != first or withdrawn:
                    reader.problems.append(
                        (f"{path}.number", f"Expected criterion number {first}, as first written.")
                    )
                    continue
                criteria[key] = add_criterion(
                    session, rec, kind=CriterionKind(data["kind"]), text=data["text"], by=author,
                    now=at,
                )  # fmt: skip
            elif criterion.kind.value != data["kind"]:
                reader.problems.append(
                    (f"{path}.kind", "A criterion keeps the kind it was written with.")
                )
                continue
            else:
                revise_criterion(
                    session, criterion, text=data["text"], withdrawn=withdrawn,
                    reason=data["reason"], by=author, now=at,
                )  # fmt: skip
        except CriterionError as error:
            reader.problems.append((f"{path}.{error.field}", str(error)))
        else:
            reader.counts["criteria versions added"] += 1
    return reader.problems, reader.counts


def criteria_by_number(session: Session) -> dict[tuple[int, int], int]:
    """Map (recommendation id, criterion number) to the criterion's id, for updates' marks."""
    return {
        (rec_id, number): id_
        for id_, rec_id, number in session.execute(
            select(Criterion.id, Criterion.recommendation_id, Criterion.number)
        )
    }
