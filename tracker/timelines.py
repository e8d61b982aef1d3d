"""A recommendation's timeline: its updates, page by page, with their evidence and revisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import Session, aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from .audience import reviewed_only
from .models import (
    Evidence,
    Recommendation,
    Review,
    StatusRevision,
    StatusUpdate,
    User,
)
from .moments import Moment
from .vocabulary import Confidence, Credibility, Reliability, RevisionKind, Role, Stance, Status

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
    query = (
        logged_by(select(StatusUpdate), recommendation.id, moment, limit, offset, after)
        .options(
            joinedload(StatusUpdate.author),
            joinedload(StatusUpdate.approved_by),
            selectinload(StatusUpdate.all_evidence),
            selectinload(StatusUpdate.revisions).joinedload(StatusRevision.author),
        )
    )  # fmt: skip
    updates = list(session.scalars(query))
    for update in updates:
        # The current evidence is all of it but what a correction withdrew: no second query.
        current = [item for item in update.all_evidence if item.withdrawn_in is None]
        set_committed_value(update, "evidence", current)
    return updates


S = TypeVar("S", bound=Select[Any])
ORDER = (StatusUpdate.as_of, StatusUpdate.created_at, StatusUpdate.id)


def logged_by(
    query: S,
    recommendation_id: int,
    moment: Moment,
    limit: int | None,
    offset: int,
    after: TimelinePosition | None,
) -> S:
    """Limit `query` to a page of the recommendation's updates logged by `moment`, in order."""
    query = (
        query.where(StatusUpdate.recommendation_id == recommendation_id)
        .order_by(*(column.desc() for column in ORDER))
        .limit(limit)
        .offset(offset)
    )
    if after is not None:
        query = query.where(tuple_(*ORDER) < tuple_(*after))
    if moment.known_before is None:
        return query.where(StatusUpdate.as_of <= moment.as_of)
    query = query.where(StatusUpdate.created_at < moment.known_before)
    if reviewed_only():
        query = query.where(StatusUpdate.approved_at < moment.known_before)
    return query


@dataclass(frozen=True)
class Person:
    """Whoever logged or revised an update, as pages name them (`audience.shown_name`)."""

    name: str
    role: Role


@dataclass(frozen=True)
class CitedItem:
    """An item of evidence an update cites, or cited until a correction withdrew it."""

    url: str
    title: str
    publisher: str
    published_on: dt.date | None
    excerpt: str
    stance: Stance
    reliability: Reliability
    credibility: Credibility
    added_in: int
    withdrawn_in: int | None

    @property
    def grade(self) -> str:
        return f"{self.reliability.value}{self.credibility.value}"

    def cited_in(self, revision: int) -> bool:
        return self.added_in <= revision and (
            self.withdrawn_in is None or self.withdrawn_in > revision
        )


@dataclass(frozen=True)
class RevisionEntry:
    """One revision of an update, as the timeline shows it."""

    number: int
    kind: RevisionKind
    status: Status
    as_of: dt.date
    assessment: str
    confidence: Confidence
    reason: str | None
    author: Person
    created_at: dt.datetime


@dataclass
class TimelineUpdate:
    """What a recommendation's page shows of one update: plain values, read by
    `timeline_entries` in three queries whatever the history's length."""

    id: int
    author_id: int
    author: Person
    created_at: dt.datetime
    approved_at: dt.datetime | None
    approved_by: Person | None
    change_reason: str | None
    criteria_reason: str | None
    revisions: list[RevisionEntry] = field(default_factory=list)
    all_evidence: list[CitedItem] = field(default_factory=list)

    def evidence_in(self, revision: int) -> list[CitedItem]:
        """The evidence the update cited in that revision."""
        return [item for item in self.all_evidence if item.cited_in(revision)]


def timeline_entries(
    session: Session,
    recommendation_id: int,
    moment: Moment,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[TimelineUpdate]:
    """Read a page of a recommendation's updates logged by `moment`, newest as-of date first,
    with their revisions and all their evidence, as plain values: one query each."""
    approver = aliased(User)
    columns = select(
        StatusUpdate.id, StatusUpdate.author_id, User.name, User.role, StatusUpdate.created_at,
        StatusUpdate.approved_at, approver.name, approver.role, StatusUpdate.change_reason,
        StatusUpdate.criteria_reason,
    ).join(User, User.id == StatusUpdate.author_id).outerjoin(
        approver, approver.id == StatusUpdate.approved_by_id
    )  # fmt: skip
    updates = {
        row[0]: TimelineUpdate(
            id=row[0],
            author_id=row[1],
            author=Person(row[2], row[3]),
            created_at=row[4],
            approved_at=row[5],
            approved_by=Person(row[6], row[7]) if row[6] is not None else None,
            change_reason=row[8],
            criteria_reason=row[9],
        )  # fmt: skip
        for row in session.execute(
            logged_by(columns, recommendation_id, moment, limit, offset, None)
        )
    }
    if not updates:
        return []
    ids = list(updates)
    revisions = (
        select(
            StatusRevision.update_id, StatusRevision.number, StatusRevision.kind,
            StatusRevision.status, StatusRevision.as_of, StatusRevision.assessment,
            StatusRevision.confidence, StatusRevision.reason, User.name, User.role,
            StatusRevision.created_at,
        )
        .join(User, User.id == StatusRevision.author_id)
        .where(StatusRevision.update_id.in_(ids))
        .order_by(StatusRevision.update_id, StatusRevision.number)
    )  # fmt: skip
    for (
        update_id,
        number,
        kind,
        status,
        as_of,
        assessment,
        confidence,
        reason,
        name,
        role,
        at,
    ) in session.execute(revisions):
        updates[update_id].revisions.append(
            RevisionEntry(number, kind, status, as_of, assessment, confidence, reason,
                          Person(name, role), at)
        )  # fmt: skip
    evidence = (
        select(
            Evidence.update_id, Evidence.url, Evidence.title, Evidence.publisher,
            Evidence.published_on, Evidence.excerpt, Evidence.stance, Evidence.reliability,
            Evidence.credibility, Evidence.added_in, Evidence.withdrawn_in,
        )
        .where(Evidence.update_id.in_(ids))
        .order_by(Evidence.update_id, Evidence.position, Evidence.id)
    )  # fmt: skip
    for update_id, *values in session.execute(evidence):
        updates[update_id].all_evidence.append(CitedItem(*values))
    return list(updates.values())


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
