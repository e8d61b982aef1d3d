"""Reading target dates at a moment: each recommendation's ledger, and which are overdue.

Target dates follow the known-on rule: on a past day, only what had been set by the end of it
counts. They are plans, not judgements of the world, so an as-of date does not hide the ones
set later: where a plan was deferred, the deferred date is the one to judge against.
A recommendation is overdue at a moment when its target date is before the moment's as-of date
and its status then is not Implemented.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Subquery, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from ..models import TargetDate
from ..moments import Moment
from ..vocabulary import Status


@dataclass(frozen=True)
class Ledger:
    """A recommendation's target dates known at a moment, oldest first (never empty)."""

    entries: list[TargetDate]

    @property
    def original(self) -> TargetDate:
        return self.entries[0]

    @property
    def current(self) -> TargetDate:
        return self.entries[-1]

    @property
    def changes(self) -> list[tuple[TargetDate, TargetDate]]:
        """Each change as (the target before, the target after), oldest first."""
        return list(zip(self.entries, self.entries[1:], strict=False))

    def overdue(self, status: Status, on: dt.date) -> bool:
        return is_overdue(self.current.target, status, on)


def is_overdue(target: dt.date | None, status: Status, on: dt.date) -> bool:
    return target is not None and target < on and status is not Status.IMPLEMENTED


def known_targets(moment: Moment) -> ColumnElement[bool]:
    if moment.known_before is None:
        return TargetDate.id.is_not(None)
    return TargetDate.created_at < moment.known_before


def ledgers(
    session: Session, recommendation_ids: Collection[int], moment: Moment
) -> dict[int, Ledger]:
    """Load the ledgers of these recommendations at `moment`; those with no target are left out."""
    if not recommendation_ids:
        return {}
    entries: dict[int, list[TargetDate]] = {}
    query = (
        select(TargetDate)
        .where(TargetDate.recommendation_id.in_(list(recommendation_ids)), known_targets(moment))
        .order_by(TargetDate.recommendation_id, TargetDate.number)
        .options(joinedload(TargetDate.author))
    )
    for entry in session.scalars(query):
        entries.setdefault(entry.recommendation_id, []).append(entry)
    return {id_: Ledger(found) for id_, found in entries.items()}


def targets_in_force(moment: Moment) -> Subquery:
    """Select each recommendation's target date in force at `moment`: recommendation_id, target."""
    ranked = (
        select(
            TargetDate.recommendation_id,
            TargetDate.target,
            func.row_number()
            .over(partition_by=TargetDate.recommendation_id, order_by=TargetDate.number.desc())
            .label("rank"),
        )
        .where(known_targets(moment))
        .subquery()
    )
    return (
        select(ranked.c.recommendation_id, ranked.c.target)
        .where(ranked.c.rank == 1)
        .subquery("target_in_force")
    )


def overdue_condition(
    targets: Subquery, status: ColumnElement[str | None], moment: Moment
) -> ColumnElement[bool]:
    """The SQL condition `is_overdue` states, on `targets_in_force` joined to the statuses."""
    return and_(
        targets.c.target < moment.as_of,
        or_(status.is_(None), status != Status.IMPLEMENTED.value),
    )
