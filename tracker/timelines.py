"""A recommendation's timeline: its updates, page by page, with their evidence and revisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, select, tuple_
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

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
    # Its latest revision's judgement.
    status: Status
    as_of: dt.date
    confidence: Confidence
    assessment: str
    revision: int
    author_id: int
    author: Person
    created_at: dt.datetime
    corrected_at: dt.datetime | None
    retracted_at: dt.datetime | None
    retraction_reason: str | None
    approved_at: dt.datetime | None
    approved_by: Person | None
    change_reason: str | None
    criteria_reason: str | None
    revisions: list[RevisionEntry] = field(default_factory=list)
    all_evidence: list[CitedItem] = field(default_factory=list)

    @property
    def evidence(self) -> list[CitedItem]:
        """What it cites now: all of it but what a correction withdrew."""
        return [item for item in self.all_evidence if item.withdrawn_in is None]

    def evidence_in(self, revision: int) -> list[CitedItem]:
        """The evidence the update cited in that revision."""
        return [item for item in self.all_evidence if item.cited_in(revision)]


APPROVER = aliased(User)
# An update's row as the timeline shows it, with its author and approver: built once.
TIMELINE_COLUMNS = select(
    StatusUpdate.id, StatusUpdate.status, StatusUpdate.as_of, StatusUpdate.confidence,
    StatusUpdate.assessment, StatusUpdate.revision, StatusUpdate.author_id, User.name,
    User.role, StatusUpdate.created_at, StatusUpdate.corrected_at, StatusUpdate.retracted_at,
    StatusUpdate.retraction_reason, StatusUpdate.approved_at, APPROVER.name, APPROVER.role,
    StatusUpdate.change_reason, StatusUpdate.criteria_reason,
).join(User, User.id == StatusUpdate.author_id).outerjoin(
    APPROVER, APPROVER.id == StatusUpdate.approved_by_id
)  # fmt: skip


# The updates' revisions, and their evidence, for a page's updates: built once.
REVISIONS = (
    select(
        StatusRevision.update_id, StatusRevision.number, StatusRevision.kind,
        StatusRevision.status, StatusRevision.as_of, StatusRevision.assessment,
        StatusRevision.confidence, StatusRevision.reason, User.name, User.role,
        StatusRevision.created_at,
    )
    .join(User, User.id == StatusRevision.author_id)
    .where(StatusRevision.update_id.in_(bindparam("ids", expanding=True)))
    .order_by(StatusRevision.update_id, StatusRevision.number)
)  # fmt: skip
EVIDENCE = (
    select(
        Evidence.update_id, Evidence.url, Evidence.title, Evidence.publisher,
        Evidence.published_on, Evidence.excerpt, Evidence.stance, Evidence.reliability,
        Evidence.credibility, Evidence.added_in, Evidence.withdrawn_in,
    )
    .where(Evidence.update_id.in_(bindparam("ids", expanding=True)))
    .order_by(Evidence.update_id, Evidence.position, Evidence.id)
)  # fmt: skip


def timeline_entries(
    session: Session,
    recommendation_id: int,
    moment: Moment,
    *,
    limit: int | None = None,
    offset: int = 0,
    after: TimelinePosition | None = None,
) -> list[TimelineUpdate]:
    """Read a page of a recommendation's updates logged by `moment`, newest as-of date first,
    with their revisions, all their evidence and their authors, as plain values: a query each.

    A page starts `offset` updates in, or just after the update at `after` in this order.
    Known on a past day, the revision to show may have another as-of date than the latest:
    `revision_at` picks it.
    """
    updates: dict[int, TimelineUpdate] = {}
    for row in session.execute(
        logged_by(TIMELINE_COLUMNS, recommendation_id, moment, limit, offset, after)
    ):
        (id_, status, as_of, confidence, assessment, revision, author_id, name, role, created_at,
         corrected_at, retracted_at, retraction_reason, approved_at, approver_name, approver_role,
         change_reason, criteria_reason) = row  # fmt: skip
        updates[id_] = TimelineUpdate(
            id=id_, status=status, as_of=as_of, confidence=confidence, assessment=assessment,
            revision=revision, author_id=author_id, author=Person(name, role),
            created_at=created_at, corrected_at=corrected_at, retracted_at=retracted_at,
            retraction_reason=retraction_reason, approved_at=approved_at,
            approved_by=None if approver_name is None else Person(approver_name, approver_role),
            change_reason=change_reason, criteria_reason=criteria_reason,
        )  # fmt: skip
    if not updates:
        return []
    ids = list(updates)
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
    ) in session.execute(REVISIONS, {"ids": ids}):
        updates[update_id].revisions.append(
            RevisionEntry(number, kind, status, as_of, assessment, confidence, reason,
                          Person(name, role), at)
        )  # fmt: skip
    for update_id, *values in session.execute(EVIDENCE, {"ids": ids}):
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
