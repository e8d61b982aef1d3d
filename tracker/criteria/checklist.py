"""Reading criteria at a moment: each criterion's wording then, and the verdict in force.

The wording follows the known-on rule only: on a past day, the version written by the end of
it. Criteria are written in advance, as tests to judge the world by, so an as-of date does
not hide one written later (as with target dates). The verdicts follow both rules, as
statuses do: a criterion's verdict as of D is its mark in the update that the status rule
would pick among those marking it (the latest as-of date on or before D, ties going to the
one logged last, retracted ones left out), as shown on the known-on day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import Criterion, CriterionMark, CriterionVersion
from ..moments import Moment, judgements_at
from ..vocabulary import CriterionKind, Verdict


@dataclass(frozen=True)
class MarkInForce:
    """A criterion's verdict at a moment, and the update that gave it."""

    verdict: Verdict
    note: str
    update_id: int
    as_of: dt.date


@dataclass(frozen=True)
class Check:
    """One line of the checklist: a criterion as worded at the moment, and its verdict then."""

    criterion: Criterion
    version: CriterionVersion
    mark: MarkInForce | None

    @property
    def verdict(self) -> Verdict | None:
        return self.mark.verdict if self.mark else None


@dataclass(frozen=True)
class Checklist:
    checks: list[Check]

    def of_kind(self, kind: CriterionKind) -> list[Check]:
        return [check for check in self.checks if check.criterion.kind is kind]

    @property
    def kinds(self) -> list[tuple[CriterionKind, list[Check]]]:
        return [(kind, self.of_kind(kind)) for kind in CriterionKind if self.of_kind(kind)]


def version_at(criterion: Criterion, moment: Moment) -> CriterionVersion | None:
    """The version of a criterion known at `moment`, or None; needs `versions` loaded."""
    known = [
        version
        for version in criterion.versions
        if moment.known_before is None or version.created_at < moment.known_before
    ]
    return known[-1] if known else None


def load_criteria(session: Session, recommendation_id: int) -> list[Criterion]:
    """Every criterion of a recommendation with all its versions and their authors."""
    return list(
        session.scalars(
            select(Criterion)
            .where(Criterion.recommendation_id == recommendation_id)
            .order_by(Criterion.number)
            .options(selectinload(Criterion.versions).joinedload(CriterionVersion.author))
        )
    )


def criteria_in_force(
    criteria: Iterable[Criterion], moment: Moment
) -> list[tuple[Criterion, CriterionVersion]]:
    """The criteria that count at `moment`, each with its wording then; withdrawn ones left out."""
    found = []
    for criterion in criteria:
        version = version_at(criterion, moment)
        if version is not None and not version.withdrawn:
            found.append((criterion, version))
    return found


def marks_in_force(
    session: Session, recommendation_id: int, moment: Moment
) -> dict[int, MarkInForce]:
    """Each criterion's verdict at `moment`, by criterion id: one query."""
    rows = judgements_at(moment)
    ranked = (
        select(
            CriterionMark.criterion_id,
            CriterionMark.verdict,
            CriterionMark.note,
            rows.c.update_id,
            rows.c.as_of,
            func.row_number()
            .over(
                partition_by=CriterionMark.criterion_id,
                order_by=(rows.c.as_of.desc(), rows.c.logged_at.desc(), rows.c.update_id.desc()),
            )
            .label("rank"),
        )
        .join(rows, rows.c.update_id == CriterionMark.update_id)
        .where(rows.c.recommendation_id == recommendation_id, rows.c.as_of <= moment.as_of)
        .subquery()
    )
    return {
        row.criterion_id: MarkInForce(Verdict(row.verdict), row.note, row.update_id, row.as_of)
        for row in session.execute(select(ranked).where(ranked.c.rank == 1))
    }


def checklist(session: Session, recommendation_id: int, moment: Moment) -> Checklist:
    """The checklist of a recommendation at `moment`: two queries, however long its history."""
    criteria = criteria_in_force(load_criteria(session, recommendation_id), moment)
    marks = marks_in_force(session, recommendation_id, moment) if criteria else {}
    return Checklist(
        [Check(criterion, version, marks.get(criterion.id)) for criterion, version in criteria]
    )


def unmet_completion(
    criteria: Iterable[Criterion], verdicts: Mapping[int, Verdict | None]
) -> list[Criterion]:
    """The completion criteria an "Implemented" contradicts: every one not marked met.

    "Not met", "unclear" and no verdict at all leave it open whether what must happen did.
    """
    return [
        criterion
        for criterion in criteria
        if criterion.kind is CriterionKind.COMPLETION
        and verdicts.get(criterion.id) is not Verdict.MET
    ]


def load_marks(session: Session, update_ids: Iterable[int]) -> dict[int, list[CriterionMark]]:
    """The marks of these updates with their criteria, by update id: one query."""
    found: dict[int, list[CriterionMark]] = {}
    ids = list(update_ids)
    if not ids:
        return found
    query = (
        select(CriterionMark)
        .where(CriterionMark.update_id.in_(ids))
        .order_by(CriterionMark.id)
        .options(joinedload(CriterionMark.criterion))
    )
    for mark in session.scalars(query):
        found.setdefault(mark.update_id, []).append(mark)
    return found
