"""Where recommendations stand at a moment: the dashboard's rows, their counts and breakdowns,
what moved between two moments, and every recommendation's lane of statuses over time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    Subquery,
    bindparam,
    case,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session, aliased, contains_eager, selectinload

from .assessments.reading import disagreeing
from .cadence import last_reviews, review_clock
from .models import (
    Actor,
    Recommendation,
    Source,
    StatusUpdate,
    Theme,
    Translated,
    User,
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
from .signposts.sightings import recent_since, recently_observed
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
    # Only those with a signpost observed in the 30 days up to the as-of date.
    signposts_seen: bool = False
    # Only those with a blind review whose assessments disagree, among the reviews whose
    # assessments the reader (`reader_id`) may see (tracker/assessments/reading.py).
    disagree: bool = False
    reader_id: int | None = None
    sort: str = "position"
    # "due": only those due for review.
    review: str | None = None
    # Only those this user owns or co-owns.
    owner_id: int | None = None
    # Only the recommendation with this slug: the API's answer for one recommendation.
    slug: str | None = None

    SORTS = ("position", "title", "status", "as_of", "logged", "theme", "due")
    # The query arguments that name the filters, as the dashboard's address carries them.
    ARGUMENTS = ("source", "theme", "actor", "status", "overdue", "regressed", "review", "owner",
                 "sort")  # fmt: skip

    @classmethod
    def from_arguments(cls, args: Any, reader_id: int | None) -> DashboardFilters:
        """Read the filters from query arguments; "owner=me" means the reader."""
        status = args.get("status")
        sort = args.get("sort", "position")
        return cls(
            source=args.get("source") or None,
            theme=args.get("theme") or None,
            actor=args.get("actor") or None,
            status=Status(status) if status in Status._value2member_map_ else None,
            overdue=args.get("overdue") == "1",
            regressed=args.get("regressed") == "1",
            signposts_seen=args.get("signposts") == "recent",
            disagree=args.get("disagree") == "1",
            # Whose eyes the blind reviews' disagreement is judged for.
            reader_id=reader_id,
            sort=sort if sort in cls.SORTS else "position",
            review="due" if args.get("review") == "due" else None,
            # Only "me": a link that names another user's id would say whom they own.
            owner_id=reader_id if args.get("owner") == "me" else None,
        )

    def arguments(self) -> dict[str, str]:
        """The query arguments that name these filters, the defaults left out."""
        values = {
            "source": self.source or "",
            "theme": self.theme or "",
            "actor": self.actor or "",
            "status": self.status.value if self.status else "",
            "overdue": "1" if self.overdue else "",
            "regressed": "1" if self.regressed else "",
            "signposts": "recent" if self.signposts_seen else "",
            "disagree": "1" if self.disagree else "",
            "review": self.review or "",
            "owner": "me" if self.owner_id is not None else "",
            "sort": "" if self.sort == "position" else self.sort,
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class ListedSource(Translated):
    slug: str
    title: str
    language: str
    translations: dict[str, dict[str, str]]


@dataclass(frozen=True)
class Listed(Translated):
    """What the dashboard's table shows of a recommendation: plain values read in one query
    (and one for the actors' names), without the ORM's objects and their relationships."""

    id: int
    slug: str
    position: int
    title: str
    language: str
    translations: dict[str, dict[str, str]]
    source: ListedSource
    theme: str  # its name
    owner: str | None  # its owner's name
    actors: list[str]  # the names of those it is addressed to, in order


@dataclass(frozen=True)
class DashboardRow:
    # A Recommendation, its source, theme, actors, owner and co-owners loaded; `Listed`
    # when the dashboard was asked for `listed` rows.
    recommendation: Recommendation | Listed
    judgement: Judgement | None
    last_logged_at: dt.datetime | None
    due: bool
    due_on: dt.date | None
    target: dt.date | None = None
    overdue: bool = False
    regressed: bool = False
    disagree: bool = False

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
    disagree_count: int = 0
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
BOUND_FILTERS = ("source", "theme", "actor", "owner_id", "reader_id", "slug")

# Where a recommendation stands in the dashboard's default order: its source's publication
# date, its source's id, its position there. `dashboard_rows` pages by it.
Place = tuple[dt.date, int, int]


def dashboard(
    session: Session,
    filters: DashboardFilters,
    moment: Moment,
    *,
    review_every_days: int,
    page: int = 1,
    per_page: int | None = None,
    listed: bool = False,
) -> Dashboard:
    """Load the recommendations that pass the filters with their status at `moment`.

    Counts, those due for review and the breakdowns by theme and actor cover every
    recommendation that passes; the rows are one page of them when `per_page` is given. Each
    is one query whose cost follows the recommendations, not the length of their histories.
    With `listed`, each row's recommendation is what the dashboard's table shows of it
    (`Listed`), not an ORM object.
    """
    built = statements(moment.shape, bound_shape(filters), per_page is not None, listed)
    params = parameters(filters, moment, review_every_days) | {
        "limit": per_page,
        "offset": (max(page, 1) - 1) * (per_page or 0),
    }

    counts: Counter[Status] = Counter()
    due = overdue_count = regressed_count = disagree_count = 0
    for status, count, due_here, overdue_here, regressed_here, disagree_here in session.execute(
        built.summary, params
    ):
        counts[status_of(status)] += count
        due += due_here
        overdue_count += overdue_here
        regressed_count += regressed_here
        disagree_count += disagree_here

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

    return Dashboard(
        moment=moment,
        rows=load_rows(session, built.rows, params, moment, listed),
        counts=counts,
        due_count=due,
        overdue_count=overdue_count,
        regressed_count=regressed_count,
        disagree_count=disagree_count,
        by_theme=by_theme,
        by_actor=by_actor,
        not_yet_made=not_yet_made,
        page=max(page, 1),
        per_page=per_page,
    )


def dashboard_rows(
    session: Session,
    filters: DashboardFilters,
    moment: Moment,
    *,
    review_every_days: int,
    limit: int,
    after: Place | None = None,
) -> list[DashboardRow]:
    """Load up to `limit` of the rows `dashboard` would, in its default order from just after
    `after`, without its counts: a page of a list that is read by the page, such as the API's.

    The database finds the page, so its cost follows `limit`, not how many pass the filters.
    """
    filters = replace(filters, sort="position")
    built = statements(moment.shape, bound_shape(filters), True, after=after is not None)
    params = parameters(filters, moment, review_every_days) | {"limit": limit, "offset": 0}
    if after is not None:
        params |= {
            "after_published": after[0],
            "after_source": after[1],
            "after_position": after[2],
        }
    return load_rows(session, built.rows, params, moment, listed=False)


def place(row: DashboardRow) -> Place:
    """Where a row stands in the dashboard's default order (see `dashboard_rows`)."""
    rec = row.recommendation
    assert isinstance(rec, Recommendation)
    return rec.source.published_on, rec.source_id, rec.position


def bound_shape(filters: DashboardFilters) -> DashboardFilters:
    """The filters as `statements` is keyed: whether each bound filter is given, not its value."""
    return replace(
        filters,
        **{name: True if getattr(filters, name) is not None else None for name in BOUND_FILTERS},
    )


def parameters(filters: DashboardFilters, moment: Moment, review_every_days: int) -> dict[str, Any]:
    """The values the dashboard's statements are run with, but for the page's."""
    return moment.params | {
        "every": review_every_days,
        "source": filters.source,
        "theme": filters.theme,
        "actor": filters.actor,
        "owner_id": filters.owner_id,
        "slug": filters.slug,
        "signposts_since": recent_since(moment.as_of),
        "reader_id": filters.reader_id or 0,
        "today": dt.date.today(),
    }


def status_of(value: str | None) -> Status:
    return Status(value) if value else Status.NOT_ASSESSED


def load_rows(
    session: Session, statement: Select, params: dict[str, Any], moment: Moment, listed: bool
) -> list[DashboardRow]:
    found = session.execute(statement, params).all()
    actors: dict[int, list[str]] = {row.id: [] for row in found} if listed else {}
    if actors:
        for recommendation_id, name in session.execute(ACTOR_NAMES, {"ids": list(actors)}):
            actors[recommendation_id].append(name)
    rows = []
    for row in found:
        judgement = (
            Judgement(row.update_id, Status(row.status), row.as_of, row.logged_at)
            if row.update_id is not None
            else None
        )
        rows.append(
            DashboardRow(
                recommendation=listed_from(row, actors[row.id]) if listed else row.Recommendation,
                judgement=judgement,
                last_logged_at=row.at,
                due=bool(row.due),
                due_on=row.due_on,
                target=row.target,
                overdue=is_overdue(row.target, status_of(row.status), moment.as_of),
                regressed=is_regressed(row.held_step, status_of(row.status)),
                disagree=bool(row.disagree),
            )
        )
    return rows


def listed_from(row: Any, actors: list[str]) -> Listed:
    source = ListedSource(
        row.source_slug, row.source_title, row.source_language, row.source_translations
    )
    return Listed(
        row.id, row.slug, row.position, row.title, row.language, row.translations, source,
        row.theme_name, row.owner_name, actors,
    )  # fmt: skip


# The names of the actors each of the recommendations `ids` is addressed to, in order.
ACTOR_NAMES = (
    select(recommendation_actor.c.recommendation_id, Actor.name)
    .join(Actor, Actor.id == recommendation_actor.c.actor_id)
    .where(recommendation_actor.c.recommendation_id.in_(bindparam("ids", expanding=True)))
    .order_by(Actor.name)
)


@lru_cache(maxsize=256)
def statements(
    moment: MomentShape,
    filters: DashboardFilters,
    paged: bool,
    listed: bool = False,
    after: bool = False,
) -> DashboardStatements:
    """Build the dashboard's statements once for a shape of moment and filters.

    Their values are bound parameters (`as_of`, `known_before`, `every`, the filters' slugs,
    `owner_id`, `limit`, `offset`, and with `after` the place the rows start after) given when
    they run: SQLAlchemy then finds each compiled once, where a statement built anew is built,
    and keyed for its cache, on every request.
    """
    in_force = judgements_in_force(moment)
    reviewed = last_reviews(moment)
    clock = review_clock(in_force, reviewed, moment, bindparam("every", type_=Integer()))
    targets = targets_in_force(moment)
    overdue = overdue_condition(targets, in_force.c.status, moment)
    held = best_held(moment)
    regressed = regressed_condition(held, in_force.c.status)
    disagree = Recommendation.id.in_(
        disagreeing(
            moment, bindparam("reader_id", type_=Integer()), bindparam("today", type_=Date())
        )
    )

    def passing(
        query: Select, *, made: bool = True, everything: bool = False, judged: bool = True
    ) -> Select:
        """`query` limited to what passes the filters; `everything`: it selects the review
        clock, the target and the step held, so joins what they are read from; `judged`: it
        selects the judgement in force, which is joined in any case where a filter reads it."""
        query = query.join(Source, Source.id == Recommendation.source_id).join(
            Theme, Theme.id == Recommendation.theme_id
        )
        if (
            judged or everything or filters.status is not None or filters.overdue
            or filters.regressed or filters.review == "due"
        ):  # fmt: skip
            query = query.outerjoin(in_force, in_force.c.recommendation_id == Recommendation.id)
        # Only what is used is joined: the database would compute each subquery anyway.
        if everything or filters.review == "due":
            query = query.outerjoin(reviewed, reviewed.c.recommendation_id == Recommendation.id)
        if everything or filters.overdue:
            query = query.outerjoin(targets, targets.c.recommendation_id == Recommendation.id)
        if everything or filters.regressed:
            query = query.outerjoin(held, held.c.recommendation_id == Recommendation.id)
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
        if filters.slug:
            query = query.where(Recommendation.slug == bindparam("slug"))
        if filters.status is Status.NOT_ASSESSED:
            query = query.where(in_force.c.update_id.is_(None))
        elif filters.status is not None:
            query = query.where(in_force.c.status == filters.status.value)
        if filters.overdue:
            query = query.where(overdue)
        if filters.signposts_seen:
            query = query.where(
                Recommendation.id.in_(
                    recently_observed(moment, bindparam("signposts_since", type_=Date()))
                )
            )
        if filters.regressed:
            query = query.where(regressed)
        if filters.disagree:
            query = query.where(disagree)
        return query

    summary = select(
        in_force.c.status,
        func.count(),
        func.coalesce(func.sum(case((clock.due, 1), else_=0)), 0),
        func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        func.coalesce(func.sum(case((regressed, 1), else_=0)), 0),
        func.coalesce(func.sum(case((disagree, 1), else_=0)), 0),
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
    states = (
        in_force,
        last_logged,
        clock.due_on.label("due_on"),
        clock.due.label("due"),
        targets.c.target,
        held.c.step.label("held_step"),
        disagree.label("disagree"),
    )
    if listed:
        owner = aliased(User)
        rows = passing(
            select(
                Recommendation.id,
                Recommendation.slug,
                Recommendation.position,
                Recommendation.title,
                Recommendation.language,
                Recommendation.translations,
                Source.slug.label("source_slug"),
                Source.title.label("source_title"),
                Source.language.label("source_language"),
                Source.translations.label("source_translations"),
                Theme.name.label("theme_name"),
                owner.name.label("owner_name"),
                *states,
            ).outerjoin(owner, owner.id == Recommendation.owner_id),
            everything=True,
        )
    else:
        rows = passing(
            select(Recommendation, *states).options(
                contains_eager(Recommendation.source),
                contains_eager(Recommendation.theme),
                selectinload(Recommendation.actors),
                selectinload(Recommendation.owner),
                selectinload(Recommendation.co_owners),
            ),
            everything=True,
        )
    order = dashboard_order(filters.sort, in_force, last_logged, clock.due_on)
    if paged:
        # The page's recommendations are found first, with only what the filters and the
        # order read; their states are then computed for them alone, not for all that pass.
        page = passing(
            select(Recommendation.id),
            everything=filters.sort == "due",
            judged=filters.sort in ("status", "as_of"),
        )
        if after:
            page = page.where(
                tuple_(Source.published_on, Source.id, Recommendation.position)
                > tuple_(
                    bindparam("after_published", type_=Date()),
                    bindparam("after_source", type_=Integer()),
                    bindparam("after_position", type_=Integer()),
                )
            )
        page = (
            page.order_by(*order)
            .limit(bindparam("limit", type_=Integer()))
            .offset(bindparam("offset", type_=Integer()))
        )
        rows = rows.where(Recommendation.id.in_(page))
    rows = rows.order_by(*order)
    return DashboardStatements(
        summary=passing(summary, everything=True).group_by(in_force.c.status),
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


def matching_ids(
    session: Session, arguments: dict[str, str], reader_id: int, *, review_every_days: int
) -> set[int]:
    """The recommendations the dashboard shows its reader today with these query arguments
    (a saved view's): "owner=me" is the reader."""
    filters = DashboardFilters.from_arguments(arguments, reader_id)
    board = dashboard(
        session, filters, Moment(dt.date.today()), review_every_days=review_every_days
    )
    return {row.recommendation.id for row in board.rows}
