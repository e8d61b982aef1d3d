"""Setting and changing target dates: each function adds and flushes, never commits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..models import Recommendation, TargetDate, User, utcnow
from ..vocabulary import TargetOrigin


class TargetError(ValueError):
    """A target date refused for a reason the editor can fix; `field` names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def latest_target(session: Session, recommendation: Recommendation) -> TargetDate | None:
    return session.scalars(
        select(TargetDate)
        .where(TargetDate.recommendation_id == recommendation.id)
        .order_by(TargetDate.number.desc())
        .limit(1)
    ).first()


def set_target_date(
    session: Session,
    recommendation: Recommendation,
    *,
    target: dt.date,
    origin: TargetOrigin,
    detail: str | None,
    reason: str | None,
    by: User,
    now: dt.datetime | None = None,
) -> TargetDate:
    """Give a recommendation a target date, or change it: a change needs its reason.

    The earlier targets stay as they were; the new one is in force from `now`. Who may set
    one is the caller's check (an editor, or an import carrying what was set elsewhere).
    """
    detail = (detail or "").strip() or None
    reason = (reason or "").strip() or None
    previous = latest_target(session, recommendation)
    if previous is not None:
        if (previous.target, previous.origin, previous.detail) == (target, origin, detail):
            raise TargetError("target", "This is the target date in force already.")
        if reason is None:
            raise TargetError("reason", "Say why the target date changes.")
    number = (
        session.scalar(
            select(func.max(TargetDate.number)).where(
                TargetDate.recommendation_id == recommendation.id
            )
        )
        or 0
    ) + 1
    entry = TargetDate(
        recommendation_id=recommendation.id,
        number=number,
        target=target,
        origin=origin,
        detail=detail,
        reason=reason,
        author_id=by.id,
        created_at=now or utcnow(),
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        "target_date.change" if previous else "target_date.set",
        user=by,
        target=recommendation,
        before=describe(previous) if previous else None,
        after=describe(entry) | {"reason": reason},
    )
    return entry


def describe(entry: TargetDate) -> dict[str, object]:
    """Describe a target for the audit trail."""
    return {
        "number": entry.number,
        "target": entry.target.isoformat(),
        "origin": entry.origin.value,
        "detail": entry.detail,
    }
