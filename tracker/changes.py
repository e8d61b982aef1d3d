"""What changed since a user last looked: colleagues' writes, counted by when they were logged.

New updates, corrections, retractions, reviews, new recommendations and assignments of owners,
each by when Tracker learned it (a backfilled update counts when it was logged, never by its
as-of date). One's own changes are left out: one knows them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Select, and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, joinedload

from .i18n import lazy_gettext as _l
from .models import (
    Assignment,
    ContentVersion,
    Recommendation,
    Review,
    StatusRevision,
    StatusUpdate,
    User,
    utcnow,
)
from .vocabulary import RevisionKind

LABELS = {
    "update": _l("New status update"),
    "correction": _l("Correction"),
    "retraction": _l("Retraction"),
    "review": _l("Re-checked, no change"),
    "recommendation": _l("New recommendation"),
    "assignment": _l("Owner assigned"),
}


def seen_since(user: User) -> dt.datetime:
    """When the user last marked the changes as seen, or else made their account."""
    return user.changes_seen_at or user.created_at


def mark_changes_seen(session: Session, user: User) -> None:
    user.changes_seen_at = utcnow()
    session.flush()


def changes_query() -> Select:
    """Select (kind, at, recommendation_id, by_id, ref_id) of every change after `since`.

    Not by the user `user_id`: both are bound parameters, given when it runs (`params`), so
    that it is built once.
    """
    since = bindparam("since")

    def not_by(column: object) -> object:
        return or_(column.is_(None), column != bindparam("user_id"))  # type: ignore[attr-defined]

    updates = select(
        literal("update").label("kind"),
        StatusUpdate.created_at.label("at"),
        StatusUpdate.recommendation_id.label("recommendation_id"),
        StatusUpdate.author_id.label("by_id"),
        StatusUpdate.id.label("ref_id"),
    ).where(StatusUpdate.created_at > since, not_by(StatusUpdate.author_id))
    revisions = (
        select(
            StatusRevision.kind.label("kind"),
            StatusRevision.created_at,
            StatusUpdate.recommendation_id,
            StatusRevision.author_id,
            StatusUpdate.id,
        )
        .join(StatusUpdate, StatusUpdate.id == StatusRevision.update_id)
        .where(
            StatusRevision.created_at > since,
            StatusRevision.kind.in_([RevisionKind.CORRECTION, RevisionKind.RETRACTION]),
            not_by(StatusRevision.author_id),
        )
    )
    reviews = select(
        literal("review"),
        Review.created_at,
        Review.recommendation_id,
        Review.reviewer_id,
        Review.id,
    ).where(Review.created_at > since, not_by(Review.reviewer_id))
    added = select(
        literal("recommendation"),
        ContentVersion.created_at,
        ContentVersion.entity_id,
        ContentVersion.author_id,
        ContentVersion.id,
    ).where(
        and_(
            ContentVersion.entity_type == Recommendation.__tablename__,
            ContentVersion.number == 1,
            ContentVersion.created_at > since,
            not_by(ContentVersion.author_id),
        )
    )
    assigned = select(
        literal("assignment"),
        Assignment.at,
        Assignment.recommendation_id,
        Assignment.by_id,
        Assignment.id,
    ).where(Assignment.at > since, not_by(Assignment.by_id))
    return union_all(updates, revisions, reviews, added, assigned)


CHANGES = changes_query().subquery()
# Built once: the dashboard runs it on every request. Each part reads the changes since by
# an index on when they were made, so the cost follows the changes, not the history.
CHANGES_BY_RECOMMENDATION = select(CHANGES.c.recommendation_id, func.count()).group_by(
    CHANGES.c.recommendation_id
)


def params(user: User, since: dt.datetime) -> dict[str, object]:
    return {"user_id": user.id, "since": since}


def changes_by_recommendation(session: Session, user: User, since: dt.datetime) -> Counter[int]:
    """How many changes each recommendation had since `since`: the dashboard's count of
    changes is their sum, its rows marked "Changed" those among them."""
    return Counter(dict(session.execute(CHANGES_BY_RECOMMENDATION, params(user, since)).all()))


def count_changes(session: Session, user: User, since: dt.datetime) -> int:
    return sum(changes_by_recommendation(session, user, since).values())


@dataclass(frozen=True)
class Change:
    kind: str
    at: dt.datetime
    recommendation: Recommendation
    by: User | None
    ref_id: int

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def anchor(self) -> str | None:
        if self.kind in ("update", "correction", "retraction"):
            return f"update-{self.ref_id}"
        if self.kind == "review":
            return f"review-{self.ref_id}"
        return None


def list_changes(
    session: Session, user: User, since: dt.datetime, *, limit: int, offset: int = 0
) -> list[Change]:
    """List the changes after `since`, newest first, a page at a time."""
    rows = session.execute(
        select(CHANGES)
        .order_by(CHANGES.c.at.desc(), CHANGES.c.kind, CHANGES.c.ref_id.desc())
        .limit(limit)
        .offset(offset),
        params(user, since),
    ).all()
    recommendations = {
        rec.id: rec
        for rec in session.scalars(
            select(Recommendation)
            .where(Recommendation.id.in_({row.recommendation_id for row in rows}))
            .options(joinedload(Recommendation.source))
        )
    }
    people = {
        person.id: person
        for person in session.scalars(
            select(User).where(User.id.in_({row.by_id for row in rows if row.by_id}))
        )
    }
    return [
        Change(
            row.kind,
            row.at,
            recommendations[row.recommendation_id],
            people.get(row.by_id) if row.by_id else None,
            row.ref_id,
        )
        for row in rows
    ]
