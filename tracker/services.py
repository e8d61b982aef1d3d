"""Use cases of tracking: recording status updates and reading where things stand.

Functions here add and flush; the caller commits once, so a request's writes land together.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, Subquery, case, func, select, tuple_
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from .models import (
    Actor,
    Recommendation,
    Source,
    StatusRevision,
    StatusUpdate,
    Theme,
    recommendation_actor,
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


@dataclass(frozen=True)
class Judgement:
    """What an update said at a moment: its revision in force then."""

    update_id: int
    status: Status
    as_of: dt.date
    logged_at: dt.datetime


def revision_at(update: StatusUpdate, moment: Moment) -> StatusRevision | None:
    """Return the revision of `update` shown at `moment`, or None if it was not yet logged.

    Needs `update.revisions` loaded.
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
    return rows.subquery("judgement")


def judgements_in_force(moment: Moment) -> Subquery:
    """Select, per recommendation, the judgement in force at `moment`, in SQL.

    The rule: among updates not retracted at that moment, the one with the latest as-of date
    on or before `moment.as_of`, ties going to the one logged last, in its revision of that
    moment. One query, for a page showing many recommendations.
    """
    if moment.is_now:
        return (
            select(
                StatusUpdate.recommendation_id,
                StatusUpdate.id.label("update_id"),
                StatusUpdate.status,
                StatusUpdate.as_of,
                StatusUpdate.created_at.label("logged_at"),
            )
            .join(Recommendation, Recommendation.current_update_id == StatusUpdate.id)
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


@dataclass(frozen=True)
class DashboardFilters:
    source: str | None = None
    theme: str | None = None
    actor: str | None = None
    status: Status | None = None
    sort: str = "position"

    SORTS = ("position", "title", "status", "as_of", "logged", "theme")


@dataclass(frozen=True)
class DashboardRow:
    recommendation: Recommendation
    judgement: Judgement | None
    last_logged_at: dt.datetime | None
    stale: bool

    @property
    def status(self) -> Status:
        return self.judgement.status if self.judgement else Status.NOT_ASSESSED


@dataclass
class Dashboard:
    moment: Moment
    rows: list[DashboardRow]
    counts: Counter[Status]
    stale_count: int
    by_theme: dict[str, Counter[Status]] = field(default_factory=dict)
    by_actor: dict[str, Counter[Status]] = field(default_factory=dict)
    page: int = 1
    per_page: int | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max(1, -(-self.total // self.per_page))


def dashboard(
    session: Session,
    filters: DashboardFilters,
    moment: Moment,
    *,
    stale_after_days: int,
    page: int = 1,
    per_page: int | None = None,
) -> Dashboard:
    """Load the recommendations that pass the filters with their status at `moment`.

    Counts, staleness and the breakdowns by theme and actor cover every recommendation that
    passes; the rows are one page of them when `per_page` is given. Each is one query whose
    cost follows the recommendations, not the length of their histories.
    """
    in_force = judgements_in_force(moment)
    stale_before = moment.as_of - dt.timedelta(days=stale_after_days)

    def passing(query: Select) -> Select:
        query = (
            query.join(Source, Source.id == Recommendation.source_id)
            .join(Theme, Theme.id == Recommendation.theme_id)
            .outerjoin(in_force, in_force.c.recommendation_id == Recommendation.id)
        )
        if filters.source:
            query = query.where(Source.slug == filters.source)
        if filters.theme:
            query = query.where(Theme.slug == filters.theme)
        if filters.actor:
            query = query.where(Recommendation.actors.any(Actor.slug == filters.actor))
        if filters.status is Status.NOT_ASSESSED:
            query = query.where(in_force.c.update_id.is_(None))
        elif filters.status is not None:
            query = query.where(in_force.c.status == filters.status.value)
        return query

    def status_of(value: str | None) -> Status:
        return Status(value) if value else Status.NOT_ASSESSED

    counts: Counter[Status] = Counter()
    stale = 0
    summary = select(
        in_force.c.status,
        func.count(),
        func.coalesce(func.sum(case((in_force.c.as_of < stale_before, 1), else_=0)), 0),
    ).select_from(Recommendation)
    for status, count, stale_here in session.execute(passing(summary).group_by(in_force.c.status)):
        counts[status_of(status)] += count
        stale += stale_here

    by_theme: dict[str, Counter[Status]] = {}
    by_actor: dict[str, Counter[Status]] = {}
    if per_page:  # a paged list shows the breakdowns of all that passes
        themes = select(Theme.name, in_force.c.status, func.count()).select_from(Recommendation)
        for name, status, count in session.execute(
            passing(themes).group_by(Theme.name, in_force.c.status)
        ):
            by_theme.setdefault(name, Counter())[status_of(status)] += count
        actors = (
            select(Actor.name, in_force.c.status, func.count())
            .select_from(Recommendation)
            .join(
                recommendation_actor, recommendation_actor.c.recommendation_id == Recommendation.id
            )
            .join(Actor, Actor.id == recommendation_actor.c.actor_id)
        )
        for name, status, count in session.execute(
            passing(actors).group_by(Actor.name, in_force.c.status)
        ):
            by_actor.setdefault(name, Counter())[status_of(status)] += count

    logged = select(func.max(StatusUpdate.created_at)).where(
        StatusUpdate.recommendation_id == Recommendation.id
    )
    if moment.known_before is not None:
        logged = logged.where(StatusUpdate.created_at < moment.known_before)
    last_logged = logged.correlate(Recommendation).scalar_subquery().label("at")
    query = passing(
        select(Recommendation, in_force, last_logged).options(
            contains_eager(Recommendation.source),
            contains_eager(Recommendation.theme),
            selectinload(Recommendation.actors),
        )
    ).order_by(*dashboard_order(filters.sort, in_force, last_logged))
    if per_page:
        query = query.limit(per_page).offset((max(page, 1) - 1) * per_page)

    rows = []
    for row in session.execute(query):
        judgement = (
            Judgement(row.update_id, Status(row.status), row.as_of, row.logged_at)
            if row.update_id is not None
            else None
        )
        rows.append(
            DashboardRow(
                recommendation=row.Recommendation,
                judgement=judgement,
                last_logged_at=row.at,
                stale=judgement is not None and judgement.as_of < stale_before,
            )
        )
    return Dashboard(
        moment=moment,
        rows=rows,
        counts=counts,
        stale_count=stale,
        by_theme=by_theme,
        by_actor=by_actor,
        page=max(page, 1),
        per_page=per_page,
    )


def dashboard_order(sort: str, in_force: Subquery, last_logged: Any) -> tuple:
    by_position = (Source.published_on, Source.id, Recommendation.position)
    orders = {
        "position": by_position,
        "title": (Recommendation.title,),
        "theme": (Theme.name, *by_position),
        "status": (
            case(
                {status.value: rank for rank, status in enumerate(Status)},
                value=in_force.c.status,
                else_=0,
            ),
            *by_position,
        ),
        "as_of": (in_force.c.as_of.desc().nulls_last(), *by_position),
        "logged": (last_logged.desc().nulls_last(), *by_position),
    }
    return orders.get(sort, by_position)


def load_recommendation(session: Session, slug: str) -> Recommendation | None:
    return session.scalars(
        select(Recommendation)
        .where(Recommendation.slug == slug)
        .options(
            joinedload(Recommendation.source),
            joinedload(Recommendation.theme),
            selectinload(Recommendation.actors),
        )
    ).first()


# Where an update stands in a timeline: its as-of date, when it was logged, its id.
TimelinePosition = tuple[dt.date, dt.datetime, int]


def timeline(
    session: Session,
    recommendation: Recommendation,
    moment: Moment,
    *,
    limit: int | None = None,
    offset: int = 0,
    after: TimelinePosition | None = None,
) -> list[StatusUpdate]:
    """Load a page of a recommendation's updates logged by `moment`, newest as-of date first.

    With their evidence, revisions and authors. A page starts `offset` updates in, or just
    after the update at `after` in this order. Known on a past day, the revision to show
    may have another as-of date than the latest: `revision_at` picks it.
    """
    order = (StatusUpdate.as_of, StatusUpdate.created_at, StatusUpdate.id)
    query = (
        select(StatusUpdate)
        .where(StatusUpdate.recommendation_id == recommendation.id)
        .order_by(*(column.desc() for column in order))
        .options(
            joinedload(StatusUpdate.author),
            selectinload(StatusUpdate.evidence),
            selectinload(StatusUpdate.revisions).joinedload(StatusRevision.author),
        )
        .limit(limit)
        .offset(offset)
    )
    if after is not None:
        query = query.where(tuple_(*order) < tuple_(*after))
    if moment.known_before is None:
        query = query.where(StatusUpdate.as_of <= moment.as_of)
    else:
        query = query.where(StatusUpdate.created_at < moment.known_before)
    return list(session.scalars(query))


def filter_choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """List what the dashboard can be filtered by, as (slug, name) pairs."""
    return {
        "source": session.execute(select(Source.slug, Source.title).order_by(Source.title)).all(),
        "theme": session.execute(select(Theme.slug, Theme.name).order_by(Theme.name)).all(),
        "actor": session.execute(select(Actor.slug, Actor.name).order_by(Actor.name)).all(),
    }


@dataclass(frozen=True)
class Change:
    recommendation: Recommendation
    before: Status
    after: Status


def changes_between(
    session: Session, filters: DashboardFilters, earlier: Moment, later: Moment
) -> list[Change]:
    """List the recommendations whose status differs between two moments."""
    before = {row.recommendation.id: row.status for row in dashboard(
        session, filters, earlier, stale_after_days=0).rows}  # fmt: skip
    return [
        Change(row.recommendation, before[row.recommendation.id], row.status)
        for row in dashboard(session, filters, later, stale_after_days=0).rows
        if before.get(row.recommendation.id, row.status) is not row.status
    ]


@dataclass(frozen=True)
class RecentJudgement:
    recommendation: Recommendation
    judgement: Judgement


def recent_judgements(
    session: Session, moment: Moment, *, days: int = 30, limit: int = 10
) -> list[RecentJudgement]:
    """List the latest judgements whose as-of date falls in the `days` before the moment."""
    rows = judgements_at(moment)
    query = (
        select(Recommendation, rows)
        .join(rows, rows.c.recommendation_id == Recommendation.id)
        .where(rows.c.as_of > moment.as_of - dt.timedelta(days=days), rows.c.as_of <= moment.as_of)
        .order_by(rows.c.as_of.desc(), rows.c.logged_at.desc())
        .limit(limit)
    )
    return [
        RecentJudgement(
            row.Recommendation,
            Judgement(row.update_id, Status(row.status), row.as_of, row.logged_at),
        )
        for row in session.execute(query)
    ]


@dataclass(frozen=True)
class Lane:
    recommendation: Recommendation
    judgements: list[tuple[dt.date, Status]]


def lanes(session: Session, filters: DashboardFilters, moment: Moment) -> list[Lane]:
    """Load each recommendation's judgements at `moment`, in the order the rule ranks them."""
    board = dashboard(session, filters, moment, stale_after_days=0)
    history = judgement_history(session, [row.recommendation.id for row in board.rows], moment)
    return [Lane(row.recommendation, history[row.recommendation.id]) for row in board.rows]


def judgement_history(
    session: Session, recommendation_ids: Sequence[int], moment: Moment
) -> dict[int, list[tuple[dt.date, Status]]]:
    """Load (as-of date, status) of every judgement shown at `moment`, per recommendation.

    In the order the rule ranks them: by as-of date, then by the time logged.
    """
    rows = judgements_at(moment)
    history: dict[int, list[tuple[dt.date, Status]]] = {id: [] for id in recommendation_ids}
    query = (
        select(rows.c.recommendation_id, rows.c.as_of, rows.c.status)
        .where(rows.c.recommendation_id.in_(recommendation_ids), rows.c.as_of <= moment.as_of)
        .order_by(rows.c.recommendation_id, rows.c.as_of, rows.c.logged_at, rows.c.update_id)
    )
    for recommendation_id, as_of, status in session.execute(query):
        history[recommendation_id].append((as_of, Status(status)))
    return history


def judgement_of(session: Session, recommendation_id: int, moment: Moment) -> Judgement | None:
    """Find one recommendation's judgement in force at `moment`."""
    in_force = judgements_in_force(moment)
    row = session.execute(
        select(in_force).where(in_force.c.recommendation_id == recommendation_id)
    ).first()
    if row is None:
        return None
    return Judgement(row.update_id, Status(row.status), row.as_of, row.logged_at)


def updates_with_evidence(session: Session, ids: Iterable[int]) -> dict[int, StatusUpdate]:
    """Load updates by id with their evidence and authors, in one round of queries."""
    wanted = list(ids)
    if not wanted:
        return {}
    query = (
        select(StatusUpdate)
        .where(StatusUpdate.id.in_(wanted))
        .options(joinedload(StatusUpdate.author), selectinload(StatusUpdate.evidence))
    )
    return {update.id: update for update in session.scalars(query)}
