"""When a recommendation is due for review, at a moment: the review cadence.

A recommendation is due for review when neither an update nor a "re-checked, no change" review
holds as of a date within its cadence (its own number of days, or TRACKER_REVIEW_EVERY_DAYS).
One never assessed nor reviewed is due. Both follow the as-of and known-on rules: a review
counts from its date, and known on a past day only if it had been logged by then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Integer, Subquery, case, cast, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import GenericFunction

from .models import Recommendation, Review
from .moments import Moment, MomentShape, judgement_of


class add_days(GenericFunction[dt.date]):  # noqa: N801 - named as SQL functions are
    """A date plus a number of days, in SQL."""

    type = Date()
    inherit_cache = True


@compiles(add_days)
def _add_days(element: Any, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} + {compiler.process(cast(days, Integer), **kw)})"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '+' || {compiler.process(days, **kw)} || ' days')"


def last_reviews(moment: Moment) -> Subquery:
    """Select each recommendation's latest review date shown at `moment`."""
    query = select(Review.recommendation_id, func.max(Review.checked_on).label("checked_on")).where(
        Review.checked_on <= moment.as_of
    )
    if moment.known_before is not None:
        query = query.where(Review.created_at < moment.known_before)
    return query.group_by(Review.recommendation_id).subquery("reviewed")


@dataclass(frozen=True)
class ReviewClock:
    """The SQL expressions of a page's review columns, given its in-force judgements."""

    last_checked: Any
    due_on: Any
    due: Any


def review_clock(
    in_force: Subquery, reviewed: Subquery, moment: Moment | MomentShape, every: Any
) -> ReviewClock:
    """Build the expressions; the query must join `in_force` and `reviewed` to Recommendation."""
    update_on, review_on = in_force.c.as_of, reviewed.c.checked_on
    last_checked = case(
        (update_on.is_(None), review_on),
        (review_on.is_(None), update_on),
        (review_on > update_on, review_on),
        else_=update_on,
    )
    due_on = add_days(last_checked, func.coalesce(Recommendation.review_every_days, every))
    due = or_(last_checked.is_(None), due_on <= moment.as_of)
    return ReviewClock(last_checked, due_on, due)


@dataclass(frozen=True)
class ReviewState:
    last_checked: dt.date | None
    every: int
    moment: Moment

    @property
    def due_on(self) -> dt.date | None:
        if self.last_checked is None:
            return None
        return self.last_checked + dt.timedelta(days=self.every)

    @property
    def due(self) -> bool:
        return self.due_on is None or self.due_on <= self.moment.as_of


def review_state(
    session: Session, recommendation: Recommendation, moment: Moment, every: int
) -> ReviewState:
    """Say when one recommendation was last checked at `moment` and when it is due."""
    judgement = judgement_of(session, recommendation.id, moment)
    reviewed = last_reviews(moment)
    review_on = session.scalar(
        select(reviewed.c.checked_on).where(reviewed.c.recommendation_id == recommendation.id)
    )
    dates = [day for day in (judgement and judgement.as_of, review_on) if day is not None]
    return ReviewState(
        max(dates) if dates else None, recommendation.review_every_days or every, moment
    )
