"""Regressions: recommendations that held Implemented or Partially implemented and lost it.

At a moment, by the as-of and known-on rules: among the judgements shown then, one held
Partially implemented or Implemented, and the status in force is on a lower step
(`Status.step`). "Overtaken by events" stands on no step, so it is no regression.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Subquery, case, exists, func, select

from .models import Recommendation, StatusUpdate
from .moments import Moment, MomentShape, judgements_at
from .vocabulary import PROGRESS, Status

HELD = (Status.PARTIAL, Status.IMPLEMENTED)


def step_of(status: ColumnElement[str | None]) -> ColumnElement[int | None]:
    """A status column's step, in SQL; NULL off the way to implementation."""
    return case({member.value: step for member, step in PROGRESS.items()}, value=status)


def highest_step_held(as_of: ColumnElement[dt.date] | None = None) -> ColumnElement[int | None]:
    """The highest step among HELD that a recommendation's updates not retracted hold, in SQL,
    correlated to `Recommendation`; with `as_of`, of those dated on or before it.

    Their latest revisions are read: whether one held a status is an index seek (status_update's
    status, recommendation_id, as_of), so the cost follows the recommendations, not the length
    of their histories.
    """

    def held(status: Status) -> ColumnElement[bool]:
        found = exists().where(
            StatusUpdate.recommendation_id == Recommendation.id,
            StatusUpdate.status == status,
            StatusUpdate.retracted_at.is_(None),
        )
        return found.where(StatusUpdate.as_of <= as_of) if as_of is not None else found

    highest_first = sorted(HELD, key=PROGRESS.__getitem__, reverse=True)
    return case(*[(held(status), PROGRESS[status]) for status in highest_first])


def best_held(moment: Moment | MomentShape) -> Subquery:
    """Select each recommendation's highest step held among HELD: recommendation_id, step.

    Now, it is the recommendation's own `held_step`, kept as updates are written; known now
    of a past day, `highest_step_held` then; known on a past day, every judgement shown then.
    """
    if moment.is_now:
        step: ColumnElement[int | None] = Recommendation.held_step
    elif moment.known_before is None:
        step = highest_step_held(moment.as_of)
    else:
        rows = judgements_at(moment)
        return (
            select(rows.c.recommendation_id, func.max(step_of(rows.c.status)).label("step"))
            .where(rows.c.as_of <= moment.as_of, rows.c.status.in_([s.value for s in HELD]))
            .group_by(rows.c.recommendation_id)
            .subquery("held")
        )
    return select(Recommendation.id.label("recommendation_id"), step.label("step")).subquery("held")


def regressed_condition(held: Subquery, status: ColumnElement[str | None]) -> ColumnElement[bool]:
    """The SQL condition of a regression, on `best_held` joined to the statuses in force.

    Nothing held, or a status on no step, makes the comparison NULL: no regression. The step
    held is read once, as `best_held` may be a seek per recommendation.
    """
    return step_of(status) < held.c.step


def is_regressed(held_step: int | None, status: Status) -> bool:
    """What `regressed_condition` says, in Python, of a row it selected."""
    return held_step is not None and status.step is not None and status.step < held_step


@dataclass(frozen=True)
class Loss:
    """What a regressed recommendation held, until when, and when it lost it."""

    held: Status
    last_held_on: dt.date
    lost_on: dt.date


def loss(history: list[tuple[dt.date, Status]]) -> Loss | None:
    """Read a regression from a recommendation's judgements in rank order (judgement_history)."""
    best = max((PROGRESS[s] for _, s in history if s in HELD), default=None)
    if best is None or not history:
        return None
    current = history[-1][1].step
    if current is None or current >= best:
        return None
    held = next(s for s in HELD if PROGRESS[s] == best)
    last = max(index for index, (_, status) in enumerate(history) if status is held)
    later = [
        day for day, status in history[last + 1 :] if status.step is not None and status.step < best
    ]
    return Loss(held, history[last][0], later[0] if later else history[-1][0])
