"""A recommendation's timeline: its updates, page by page, with their evidence and revisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from .audience import reviewed_only
from .models import (
    Recommendation,
    Review,
    StatusRevision,
    StatusUpdate,
)
from .moments import Moment

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
            joinedload(StatusUpdate.approved_by),
            selectinload(StatusUpdate.all_evidence),
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
        if reviewed_only():
            query = query.where(StatusUpdate.approved_at < moment.known_before)
    updates = list(session.scalars(query))
    for update in updates:
        # The current evidence is all of it but what a correction withdrew: no second query.
        current = [item for item in update.all_evidence if item.withdrawn_in is None]
        set_committed_value(update, "evidence", current)
    return updates


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


def reviews_between(
    session: Session,
    recommendation: Recommendation,
    moment: Moment,
    *,
    newest: dt.date | None = None,
    oldest: dt.date | None = None,
) -> list[Review]:
    """Load a recommendation's reviews shown at `moment`, dated from `oldest` to before `newest`.

    So that pages of a timeline share no review: the page before holds those of `newest`.
    A review shows from its date on, and known on a past day only once it had been logged.
    """
    query = (
        select(Review)
        .where(Review.recommendation_id == recommendation.id, Review.checked_on <= moment.as_of)
        .order_by(Review.checked_on.desc(), Review.created_at.desc())
        .options(joinedload(Review.reviewer))
    )
    if moment.known_before is not None:
        query = query.where(Review.created_at < moment.known_before)
    if newest is not None:
        query = query.where(Review.checked_on < newest)
    if oldest is not None:
        query = query.where(Review.checked_on >= oldest)
    return list(session.scalars(query))
