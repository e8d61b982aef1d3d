"""What was in force, and what Tracker showed, at a moment: the as-of and known-on rules.

Every page that shows status reads it through these: a `Moment` names the point in time,
`judgements_in_force` selects the judgement each recommendation stood at then, in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, TypeVar

from sqlalchemy import BindParameter, Date, Select, Subquery, bindparam, func, select
from sqlalchemy.orm import Session

from .audience import reviewed_only
from .models import (
    Recommendation,
    StatusRevision,
    StatusUpdate,
)
from .vocabulary import RevisionKind, Status


@dataclass(frozen=True)
class Moment:
    """The point in time a page shows.

    Where things stood on `as_of`, judged by everything known now, or, with `known_on`, by
    only what had been logged, corrected or retracted by the end of that day: what Tracker
    itself showed then.
    """

    as_of: dt.date
    known_on: dt.date | None = None

    @property
    def known_before(self) -> dt.datetime | None:
        """The first instant after `known_on` (UTC), or None for "known now"."""
        if self.known_on is None:
            return None
        return dt.datetime.combine(self.known_on + dt.timedelta(days=1), dt.time(), dt.UTC)

    @property
    def is_now(self) -> bool:
        return self.known_on is None and self.as_of >= dt.date.today()

    @property
    def shape(self) -> MomentShape:
        """This moment with its dates as parameters, for a statement built once (`params`)."""
        return MomentShape(self.is_now, self.known_on is not None, reviewed_only())

    @property
    def params(self) -> dict[str, dt.date | dt.datetime | None]:
        """The values of the parameters a statement built for `shape` takes."""
        return {"as_of": self.as_of, "known_before": self.known_before}


@dataclass(frozen=True)
class MomentShape:
    """What a statement for a moment depends on, its dates left as bound parameters.

    The queries below read `as_of`, `known_before` and `is_now` alone, so they take a
    `MomentShape` as they take a `Moment`: a page builds its statements once per shape and
    runs them with `Moment.params`, instead of building, and SQLAlchemy keying, them anew on
    every request. A public reader's statements differ (only approved updates, known from
    their approval: `reviewed_only`), so the audience is part of the shape too.
    """

    is_now: bool
    known: bool
    reviewed: bool = False

    @property
    def as_of(self) -> BindParameter[dt.date]:
        return bindparam("as_of", type_=Date())

    @property
    def known_before(self) -> BindParameter[dt.datetime] | None:
        return bindparam("known_before") if self.known else None


@dataclass(frozen=True)
class Judgement:
    """What an update said at a moment: its revision in force then."""

    update_id: int
    status: Status
    as_of: dt.date
    logged_at: dt.datetime


class Revision(Protocol):
    @property
    def created_at(self) -> dt.datetime: ...


R = TypeVar("R", bound=Revision, covariant=True)


class Revised(Protocol[R]):
    @property
    def revisions(self) -> Sequence[R]: ...


def revision_at(update: Revised[R], moment: Moment) -> R | None:
    """Return the revision of `update` shown at `moment`, or None if it was not yet logged.

    Needs its revisions, in order: a `StatusUpdate`'s loaded, or a timeline's entry.
    """
    if moment.known_before is None:
        return update.revisions[-1] if update.revisions else None
    shown = [r for r in update.revisions if r.created_at < moment.known_before]
    return shown[-1] if shown else None


def judgements_at(moment: Moment) -> Subquery:
    """Select every update's judgement as shown at `moment`, retracted ones left out.

    Columns: recommendation_id, update_id, status, as_of, logged_at. Known now, the updates'
    own columns hold their latest revision; known on a past day, each update's revision of
    that day is found first. The as-of date is not limited here.
    """
    if moment.known_before is None:
        rows = select(
            StatusUpdate.recommendation_id,
            StatusUpdate.id.label("update_id"),
            StatusUpdate.status,
            StatusUpdate.as_of,
            StatusUpdate.created_at.label("logged_at"),
        ).where(StatusUpdate.retracted_at.is_(None))
    else:
        latest = (
            select(
                StatusRevision,
                func.row_number()
                .over(partition_by=StatusRevision.update_id, order_by=StatusRevision.number.desc())
                .label("rank"),
            )
            .where(StatusRevision.created_at < moment.known_before)
            .subquery()
        )
        rows = (
            select(
                StatusUpdate.recommendation_id,
                StatusUpdate.id.label("update_id"),
                latest.c.status,
                latest.c.as_of,
                StatusUpdate.created_at.label("logged_at"),
            )
            .join(latest, latest.c.update_id == StatusUpdate.id)
            .where(latest.c.rank == 1, latest.c.kind != RevisionKind.RETRACTION.value)
        )
        if reviewed_only():
            # The public knew of an update only from its approval.
            rows = rows.where(StatusUpdate.approved_at < moment.known_before)
    return rows.subquery("judgement")


def judgements_in_force(moment: Moment) -> Subquery:
    """Select, per recommendation, the judgement in force at `moment`, in SQL.

    The rule: among updates not retracted at that moment, the one with the latest as-of date
    on or before `moment.as_of`, ties going to the one logged last, in its revision of that
    moment. One query, for a page showing many recommendations.
    """
    # Now, each recommendation's row holds its current update (`Recommendation.current_*`),
    # which may await review; a public reader's is found by the rule.
    if moment.is_now and not reviewed_only():
        return (
            select(
                Recommendation.id.label("recommendation_id"),
                Recommendation.current_update_id.label("update_id"),
                Recommendation.current_status.label("status"),
                Recommendation.current_as_of.label("as_of"),
                Recommendation.current_logged_at.label("logged_at"),
            )
            .where(Recommendation.current_update_id.is_not(None))
            .subquery("in_force")
        )
    rows = judgements_at(moment)
    ranked = (
        select(
            rows,
            func.row_number()
            .over(
                partition_by=rows.c.recommendation_id,
                order_by=(rows.c.as_of.desc(), rows.c.logged_at.desc(), rows.c.update_id.desc()),
            )
            .label("rank"),
        )
        .where(rows.c.as_of <= moment.as_of)
        .subquery()
    )
    return (
        select(
            ranked.c.recommendation_id,
            ranked.c.update_id,
            ranked.c.status,
            ranked.c.as_of,
            ranked.c.logged_at,
        )
        .where(ranked.c.rank == 1)
        .subquery("in_force")
    )


@lru_cache(maxsize=8)
def judgement_statement(moment: MomentShape) -> Select:
    """One recommendation's judgement in force, built once per shape (see `MomentShape`).

    `judgements_in_force`'s rule for one recommendation: its first judgement in that rule's
    order, read through the index on (recommendation, as-of date, time logged) instead of
    ranking every judgement it has.
    """
    if moment.is_now and not reviewed_only():
        in_force = judgements_in_force(moment)
        return select(in_force).where(
            in_force.c.recommendation_id == bindparam("recommendation_id")
        )
    rows = judgements_at(moment)
    return (
        select(rows)
        .where(
            rows.c.recommendation_id == bindparam("recommendation_id"),
            rows.c.as_of <= moment.as_of,
        )
        .order_by(rows.c.as_of.desc(), rows.c.logged_at.desc(), rows.c.update_id.desc())
        .limit(1)
    )


def judgement_history(
    session: Session, recommendation_ids: Sequence[int], moment: Moment
) -> dict[int, list[tuple[dt.date, Status]]]:
    """Load (as-of date, status) of every judgement shown at `moment`, per recommendation.

    In the order the rule ranks them: by as-of date, then by the time logged.
    """
    history: dict[int, list[tuple[dt.date, Status]]] = {id: [] for id in recommendation_ids}
    params = moment.params | {"ids": list(recommendation_ids)}
    for recommendation_id, as_of, status in session.execute(
        history_statement(moment.shape), params
    ):
        history[recommendation_id].append((as_of, Status(status)))
    return history


@lru_cache(maxsize=8)
def history_statement(moment: MomentShape) -> Select:
    """`judgement_history`'s query for the recommendations `ids`, built once per shape."""
    rows = judgements_at(moment)
    return (
        select(rows.c.recommendation_id, rows.c.as_of, rows.c.status)
        .where(
            rows.c.recommendation_id.in_(bindparam("ids", expanding=True)),
            rows.c.as_of <= moment.as_of,
        )
        .order_by(rows.c.recommendation_id, rows.c.as_of, rows.c.logged_at, rows.c.update_id)
    )


@dataclass(frozen=True)
class ChartHistory:
    """What a recommendation's timeline draws: its judgements from a day on, and a summary of
    those before, so that drawing it costs the same whatever the length of its history."""

    judgements: list[tuple[dt.date, Status]]  # from the day on, in the order the rule ranks them
    before: Status | None  # the status the judgements before that day leave in force
    first: dt.date | None  # the earliest as-of date of all
    since: dt.date | None  # the first day of the run of statuses the current one ends


def chart_history(
    session: Session, recommendation_id: int, moment: Moment, start: dt.date
) -> ChartHistory:
    """Load what `charts.timeline` needs of one recommendation's judgements at `moment`, from
    `start` on: the judgements before `start` are summed up in SQL (`ChartHistory`)."""
    params = moment.params | {"recommendation_id": recommendation_id, "start": start}
    summary_statement, rows_statement = chart_statements(moment.shape)
    summary = session.execute(summary_statement, params).one()
    judgements = [(day, Status(status)) for day, status in session.execute(rows_statement, params)]
    since = summary.since
    if since is not None and since == summary.first and summary.since_status == Status.NOT_ASSESSED:
        since = None  # the history opens not yet assessed: its first run is the one before it
    return ChartHistory(
        judgements=judgements,
        before=Status(summary.before) if summary.before else None,
        first=summary.first,
        since=since,
    )


@lru_cache(maxsize=8)
def chart_statements(moment: MomentShape) -> tuple[Select, Select]:
    """`chart_history`'s two queries, built once per shape.

    The day a run of one status began is the latest day whose last judgement differs from the
    day before's. A judgement dated the last day draws nothing (it has no length), so that
    day is left out of the runs, as `charts.segments` leaves it.
    """
    rows = judgements_at(moment)
    start = bindparam("start", type_=Date())
    shown = (
        select(rows)
        .where(
            rows.c.recommendation_id == bindparam("recommendation_id"),
            rows.c.as_of <= moment.as_of,
        )
        .subquery("shown")
    )
    rank = (shown.c.as_of, shown.c.logged_at, shown.c.update_id)
    last_of_day = (
        select(
            shown.c.as_of,
            shown.c.status,
            func.row_number()
            .over(
                partition_by=shown.c.as_of,
                order_by=(shown.c.logged_at.desc(), shown.c.update_id.desc()),
            )
            .label("place"),
        )
        .where(shown.c.as_of < moment.as_of)
        .subquery("last_of_day")
    )
    days = (
        select(
            last_of_day.c.as_of,
            last_of_day.c.status,
            func.lag(last_of_day.c.status).over(order_by=last_of_day.c.as_of).label("previous"),
        )
        .where(last_of_day.c.place == 1)
        .subquery("days")
    )
    changes = (
        select(days.c.as_of, days.c.status)
        .where((days.c.previous.is_(None)) | (days.c.previous != days.c.status))
        .order_by(days.c.as_of.desc())
        .limit(1)
        .subquery("latest_change")
    )
    before = (
        select(shown.c.status)
        .where(shown.c.as_of < start)
        .order_by(*(column.desc() for column in rank))
        .limit(1)
        .scalar_subquery()
    )
    summary = select(
        select(func.min(shown.c.as_of)).scalar_subquery().label("first"),
        select(changes.c.as_of).scalar_subquery().label("since"),
        select(changes.c.status).scalar_subquery().label("since_status"),
        before.label("before"),
    )
    judgements = select(shown.c.as_of, shown.c.status).where(shown.c.as_of >= start).order_by(*rank)
    return summary, judgements


def judgement_of(session: Session, recommendation_id: int, moment: Moment) -> Judgement | None:
    """Find one recommendation's judgement in force at `moment`."""
    row = session.execute(
        judgement_statement(moment.shape), moment.params | {"recommendation_id": recommendation_id}
    ).first()
    if row is None:
        return None
    return Judgement(row.update_id, Status(row.status), row.as_of, row.logged_at)
