"""Writing criteria: each function adds and flushes, never commits; every write is audited.

A criterion is never changed: writing it adds its first version, an edit adds the next, and
withdrawing it adds one that says so. Who may write them is the caller's check (an editor,
or an import carrying what was written elsewhere).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..models import Criterion, CriterionVersion, Recommendation, User, utcnow
from ..vocabulary import CriterionKind

MAX_TEXT = 2_000


class CriterionError(ValueError):
    """A criterion refused for a reason the editor can fix; `field` names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def add_criterion(
    session: Session,
    recommendation: Recommendation,
    *,
    kind: CriterionKind,
    text: str,
    by: User,
    now: dt.datetime | None = None,
) -> Criterion:
    """Write a new criterion for a recommendation, numbered after its others."""
    text = checked_text(text)
    now = now or utcnow()
    number = (
        session.scalar(
            select(func.max(Criterion.number)).where(
                Criterion.recommendation_id == recommendation.id
            )
        )
        or 0
    ) + 1
    criterion = Criterion(
        recommendation_id=recommendation.id, number=number, kind=kind, author_id=by.id,
        created_at=now,
    )  # fmt: skip
    session.add(criterion)
    session.flush()
    version = CriterionVersion(
        criterion_id=criterion.id, number=1, text=text, author_id=by.id, created_at=now
    )
    session.add(version)
    session.flush()
    audit.record(
        session, "criterion.create", user=by, target=criterion,
        after={"recommendation": recommendation.slug, **describe(criterion, version)},
    )  # fmt: skip
    return criterion


def revise_criterion(
    session: Session,
    criterion: Criterion,
    *,
    text: str,
    withdrawn: bool,
    reason: str | None,
    by: User,
    now: dt.datetime | None = None,
) -> CriterionVersion:
    """Add a criterion's next version: new wording, or its withdrawal, or its return."""
    text = checked_text(text)
    reason = (reason or "").strip() or None
    latest = latest_version(session, criterion)
    if (latest.text, latest.withdrawn) == (text, withdrawn):
        raise CriterionError("text", _("This is the criterion as it stands already."))
    version = CriterionVersion(
        criterion_id=criterion.id, number=latest.number + 1, text=text, withdrawn=withdrawn,
        reason=reason, author_id=by.id, created_at=now or utcnow(),
    )  # fmt: skip
    session.add(version)
    session.flush()
    session.expire(criterion, ["versions"])
    action = "criterion.withdraw" if withdrawn and not latest.withdrawn else "criterion.revise"
    audit.record(
        session, action, user=by, target=criterion,
        before=describe(criterion, latest), after=describe(criterion, version) | {"reason": reason},
    )  # fmt: skip
    return version


def checked_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise CriterionError("text", _("Write what the criterion tests."))
    if len(text) > MAX_TEXT:
        raise CriterionError(
            "text", _("Field cannot be longer than %(max)s characters.", max=MAX_TEXT)
        )
    return text


def latest_version(session: Session, criterion: Criterion) -> CriterionVersion:
    return session.scalars(
        select(CriterionVersion)
        .where(CriterionVersion.criterion_id == criterion.id)
        .order_by(CriterionVersion.number.desc())
        .limit(1)
    ).one()


def describe(criterion: Criterion, version: CriterionVersion) -> dict[str, object]:
    """Describe a criterion's version for the audit trail."""
    return {
        "number": criterion.number,
        "kind": criterion.kind.value,
        "version": version.number,
        "text": version.text,
        "withdrawn": version.withdrawn,
    }
