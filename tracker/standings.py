"""Where recommendations stand at a moment: the dashboard's rows, their counts and breakdowns,
what moved between two moments, and every recommendation's lane of statuses over time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, Integer, Select, Subquery, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from .cadence import last_reviews, review_clock
from .models import (
    Actor,
    Recommendation,
    Source,
    StatusUpdate,
    Theme,
    recommendation_actor,
    recommendation_co_owner,
)
from .moments import (
    Judgement,
    Moment,
    MomentShape,
    judgement_history,
    judgements_at,
    judgements_in_force,
)
from .regressions import best_held, is_regressed, regressed_condition
from .targets.ledger import is_overdue, overdue_condition, targets_in_force
from .vocabulary import Status


@dataclass(frozen=True)
class DashboardFilters:
    source: str | None = None
    theme: str | None = None
    actor: str | None = None
    status: Status | None = None
    overdue: bool = False
    regressed: bool = False
    sort: str = "position"
    # "due": only those due for review.
    review: str | None = None
    # Only those this user owns or co-owns.
    owner_id: int | None = None

    SORTS = ("position", "title", "status", "as_of", "logged", "theme", "due")


@dataclass(frozen=True)
class DashboardRow:
    recommendation: Recommendation
    judgement: Judgement | None
    last_logged_at: dt.datetime | None
    due: bool
    due_on: dt.date | None
    target: dt.date | None = None
    overdue: bool = False
    regressed: bool = False

    @property
    def status(self) -> Status:
        return self.judgement.status if self.judgement else Status.NOT_ASSESSED


@dataclass
class Dashboard:
    moment: Moment
    rows: list[DashboardRow]
    counts: Counter[Status]
    due_count: int
    overdue_count: int = 0
    regressed_count: int = 0
    by_theme: dict[str, Counter[Status]] = field(default_factory=dict)
    by_actor: dict[str, Counter[Status]] = field(default_factory=dict)
    page: int = 1
    per_page: int | None = None
    # Recommendations that pass the filters but were not yet made at the moment: their
    # source was published later. They are left out of the rows and the counts.
    not_yet_made: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class DashboardStatements:
    """The dashboard's statements for one shape of moment and filters (see `statements`)."""

    summary: Select
    not_yet_made: Select
    themes: Select
    actors: Select
    rows: Select


# Filters whose values are bound parameters of the statements: the shape keeps whether each
# is given.
BOUND_FILTERS = ("source", "theme", "actor", "owner_id")


def dashboard(
    session: Session,
    filters: DashboardFilters,
    moment: Moment,
    *,
    review_every_days: int,
    page: int = 1,
    per_page: int | None = None,
) -> Dashboard:
    """Load the recommendations that pass the filters with their status at `moment`.

    Counts, those due for review and the breakdowns by theme and actor cover every
    recommendation that passes; the rows are one page of them when `per_page` is given. Each
    is one query whose cost follows the recommendations, not the length of their histories.
    """
    shape = replace(
        filters,
        **{name: True if getattr(filters, name) is not None else None for name in BOUND_FILTERS},
    )
    built = statements(moment.shape, shape, per_page is not None)
    params = moment.params | {
        "every": review_every_days,
        "source": filters.source,
        "theme": filters.theme,
        "actor": filters.actor,
        "owner_id": filters.owner_id,
        "limit": per_page,
        "offset": (max(page, 1) - 1) * (per_page or 0),
    }

    def status_of(value: str | None) -> Status:
        return Status(value) if value else Status.NOT_ASSESSED

    counts: Counter[Status] = Counter()
    due = overdue_count = regressed_count = 0
    for status, count, due_here, overdue_here, regressed_here in session.execute(
        built.summary, params
    ):
        counts[status_of(status)] += count
        due += due_here
        overdue_count += overdue_here
        regressed_count += regressed_here

    by_theme: dict[str, Counter[Status]] = {}
    by_actor: dict[str, Counter[Status]] = {}
    not_yet_made = 0
    if not moment.is_now:
        not_yet_made = session.execute(built.not_yet_made, params).scalar_one()

    if per_page:  # a paged list shows the breakdowns of all that passes
        for name, status, count in session.execute(built.themes, params):
            by_theme.setdefault(name, Counter())[status_of(status)] += count
        for name, status, count in session.execute(built.actors, params):
            by_actor.setdefault(name, Counter())[status_of(status)] += count

    rows = []
    for row in session.execute(built.rows, params):
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
                due=bool(row.due),
                due_on=row.due_on,
                target=row.target,
                overdue=is_overdue(row.target, status_of(row.status), moment.as_of),
                regressed=is_regressed(row.held_step, status_of(row.status)),
            )
        )
    return Dashboard(
        moment=moment,
        rows=rows,
        counts=counts,
        due_count=due,
        overdue_count=overdue_count,
        regressed_count=regressed_count,
        by_theme=by_theme,
        by_actor=by_actor,
        not_yet_made=not_yet_made,
        page=max(page, 1),
        per_page=per_page,
    )


@lru_cache(maxsize=256)
def statements(moment: MomentShape, filters: DashboardFilters, paged: bool) -> DashboardStatements:
    """Build the dashboard's statements once for a shape of moment and filters.

    Their values are bound parameters (`as_of`, `known_before`, `every`, the filters' slugs,
    `owner_id`, `limit`, `offset`) given when they run: SQLAlchemy then finds each compiled
    once, where a statement built anew is built, and keyed for its cache, on every request.
    """
    in_force = judgements_in_force(moment)
    reviewed = last_reviews(moment)
    clock = review_clock(in_force, reviewed, moment, bindparam("every", type_=Integer()))
    targets = targets_in_force(moment)
    overdue = overdue_condition(targets, in_force.c.status, moment)
    held = best_held(moment)
    regressed = regressed_condition(held, in_force.c.status)

    def passing(query: Select, *, made: bool = True) -> Select:
        query = (
            query.join(Source, Source.id == Recommendation.source_id)
            .join(Theme, Theme.id == Recommendation.theme_id)
            .outerjoin(in_force, in_force.c.recommendation_id == Recommendation.id)
            .outerjoin(reviewed, reviewed.c.recommendation_id == Recommendation.id)
            .outerjoin(targets, targets.c.recommendation_id == Recommendation.id)
            .outerjoin(held, held.c.recommendation_id == Recommendation.id)
        )
        if filters.review == "due":
            query = query.where(clock.due)
        if filters.owner_id is not None:
            owner = bindparam("owner_id", type_=Integer())
            co_owned = select(recommendation_co_owner.c.recommendation_id).where(
                recommendation_co_owner.c.user_id == owner
            )
            query = query.where(
                or_(Recommendation.owner_id == owner, Recommendation.id.in_(co_owned))
            )
        # A recommendation exists from its source's publication on.
        if made:
            query = query.where(Source.published_on <= moment.as_of)
        else:
            query = query.where(Source.published_on > moment.as_of)
        if filters.source:
            query = query.where(Source.slug == bindparam("source"))
        if filters.theme:
            query = query.where(Theme.slug == bindparam("theme"))
        if filters.actor:
            query = query.where(Recommendation.actors.any(Actor.slug == bindparam("actor")))
        if filters.status is Status.NOT_ASSESSED:
            query = query.where(in_force.c.update_id.is_(None))
        elif filters.status is not None:
            query = query.where(in_force.c.status == filters.status.value)
        if filters.overdue:
            query = query.where(overdue)
        if filters.regressed:
            query = query.where(regressed)
        return query

    summary = select(
        in_force.c.status,
        func.count(),
        func.coalesce(func.sum(case((clock.due, 1), else_=0)), 0),
        func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        func.coalesce(func.sum(case((regressed, 1), else_=0)), 0),
    ).select_from(Recommendation)
    themes = select(Theme.name, in_force.c.status, func.count()).select_from(Recommendation)
    actors = (
        select(Actor.name, in_force.c.status, func.count())
        .select_from(Recommendation)
        .join(recommendation_actor, recommendation_actor.c.recommendation_id == Recommendation.id)
        .join(Actor, Actor.id == recommendation_actor.c.actor_id)
    )
    logged = select(func.max(StatusUpdate.created_at)).where(
        StatusUpdate.recommendation_id == Recommendation.id
    )
    if moment.known_before is not None:
        logged = logged.where(StatusUpdate.created_at < moment.known_before)
    last_logged = logged.correlate(Recommendation).scalar_subquery().label("at")
    rows = passing(
        select(
            Recommendation,
            in_force,
            last_logged,
            clock.due_on.label("due_on"),
            clock.due.label("due"),
            targets.c.target,
            held.c.step.label("held_step"),
        ).options(
            contains_eager(Recommendation.source),
            contains_eager(Recommendation.theme),
            selectinload(Recommendation.actors),
            selectinload(Recommendation.owner),
            selectinload(Recommendation.co_owners),
        )
    ).order_by(*dashboard_order(filters.sort, in_force, last_logged, clock.due_on))
    if paged:
        rows = rows.limit(bindparam("limit", type_=Integer())).offset(
            bindparam("offset", type_=Integer())
        )
    return DashboardStatements(
        summary=passing(summary).group_by(in_force.c.status),
        not_yet_made=passing(select(func.count()).select_from(Recommendation), made=False),
        themes=passing(themes).group_by(Theme.name, in_force.c.status),
        actors=passing(actors).group_by(Actor.name, in_force.c.status),
        rows=rows,
    )


def dashboard_order(sort: str, in_force: Subquery, last_logged: Any, due_on: Any) -> tuple:
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
        # Never checked first, then the earliest due date.
        "due": (due_on.asc().nulls_first(), *by_position),
    }
    return orders.get(sort, by_position)


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
        session, filters, earlier, review_every_days=0).rows}  # fmt: skip
    return [
        Change(row.recommendation, before[row.recommendation.id], row.status)
        for row in dashboard(session, filters, later, review_every_days=0).rows
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
    params = moment.params | {"after": moment.as_of - dt.timedelta(days=days), "limit": limit}
    return [
        RecentJudgement(
            row.Recommendation,
            Judgement(row.update_id, Status(row.status), row.as_of, row.logged_at),
        )
        for row in session.execute(recent_statement(moment.shape), params)
    ]


@lru_cache(maxsize=8)
def recent_statement(moment: MomentShape) -> Select:
    """`recent_judgements`' query, built once per shape of moment, from `after` to the moment."""
    rows = judgements_at(moment)
    return (
        select(Recommendation, rows)
        .join(rows, rows.c.recommendation_id == Recommendation.id)
        .where(rows.c.as_of > bindparam("after", type_=Date()), rows.c.as_of <= moment.as_of)
        .order_by(rows.c.as_of.desc(), rows.c.logged_at.desc())
        .limit(bindparam("limit", type_=Integer()))
    )


@dataclass(frozen=True)
class Lane:
    recommendation: Recommendation
    judgements: list[tuple[dt.date, Status]]


def lanes(session: Session, filters: DashboardFilters, moment: Moment) -> list[Lane]:
    """Load each recommendation's judgements at `moment`, in the order the rule ranks them."""
    board = dashboard(session, filters, moment, review_every_days=0)
    history = judgement_history(session, [row.recommendation.id for row in board.rows], moment)
    return [Lane(row.recommendation, history[row.recommendation.id]) for row in board.rows]
