"""What a user has to do: their recommendations by due date, their new assignments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..models import Assignment, Recommendation, User, utcnow


def assignments_since(session: Session, user: User, since: dt.datetime) -> list[Assignment]:
    """List what the user was made owner or co-owner of after `since`, newest first."""
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.user_id == user.id, Assignment.at > since)
            .order_by(Assignment.at.desc(), Assignment.id.desc())
            .options(
                joinedload(Assignment.recommendation).joinedload(Recommendation.source),
                joinedload(Assignment.by),
            )
        )
    )


def assignments_seen_since(user: User) -> dt.datetime:
    """When the user last marked their new assignments as seen, or made their account."""
    return user.assignments_seen_at or user.created_at


def mark_assignments_seen(session: Session, user: User) -> None:
    user.assignments_seen_at = utcnow()
    session.flush()
