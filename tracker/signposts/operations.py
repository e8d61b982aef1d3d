"""Writing signposts and their observations: each function adds and flushes, never commits.

Neither is ever changed: a signpost stands as it was written in advance, and a wrong
observation is retracted with its reason, then the right one recorded. Every write is audited.
Who may write is the caller's check (an editor writes signposts and retracts, an analyst
observes; an import carries what was written elsewhere).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..models import Recommendation, Signpost, SignpostObservation, User, utcnow
from ..vocabulary import Credibility, Diagnosticity, Direction, Reliability

MAX_EVENT = 1_000


class SignpostError(ValueError):
    """A write refused for a reason the user can fix; `field` names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Observed:
    """What an analyst saw, and the graded evidence of it."""

    observed_on: dt.date
    note: str
    url: str
    title: str
    publisher: str
    reliability: Reliability
    credibility: Credibility


def add_signpost(
    session: Session,
    recommendation: Recommendation,
    *,
    event: str,
    direction: Direction,
    diagnosticity: Diagnosticity,
    by: User,
    now: dt.datetime | None = None,
) -> Signpost:
    event = (event or "").strip()
    if not event:
        raise SignpostError("event", _("Name the event to watch for."))
    number = (
        session.scalar(
            select(func.max(Signpost.number)).where(Signpost.recommendation_id == recommendation.id)
        )
        or 0
    ) + 1
    signpost = Signpost(
        recommendation_id=recommendation.id, number=number, event=event, direction=direction,
        diagnosticity=diagnosticity, author_id=by.id, created_at=now or utcnow(),
    )  # fmt: skip
    session.add(signpost)
    session.flush()
    audit.record(
        session, "signpost.create", user=by, target=signpost,
        after={"recommendation": recommendation.slug, "number": number, "event": event,
               "direction": direction.value, "diagnosticity": diagnosticity.value},
    )  # fmt: skip
    return signpost


def observe_signpost(
    session: Session,
    signpost: Signpost,
    observed: Observed,
    *,
    by: User,
    now: dt.datetime | None = None,
) -> SignpostObservation:
    """Record that a signpost was seen; it counts from its date on, as known from `now`."""
    now = now or utcnow()
    if observed.observed_on > now.date():
        raise SignpostError("observed_on", _("The date observed cannot be in the future."))
    if not observed.url.lower().startswith(("http://", "https://")):
        raise SignpostError("url", _("Evidence links must be http or https."))
    number = (
        session.scalar(
            select(func.max(SignpostObservation.number)).where(
                SignpostObservation.signpost_id == signpost.id
            )
        )
        or 0
    ) + 1
    observation = SignpostObservation(
        signpost_id=signpost.id, number=number, author_id=by.id, created_at=now,
        **observed.__dict__,
    )  # fmt: skip
    session.add(observation)
    session.flush()
    audit.record(
        session, "signpost.observe", user=by, target=observation,
        after={"signpost": signpost.number, "recommendation_id": signpost.recommendation_id,
               "observed_on": observed.observed_on.isoformat(), "url": observed.url,
               "grade": f"{observed.reliability.value}{observed.credibility.value}"},
    )  # fmt: skip
    return observation


def retract_observation(
    session: Session,
    observation: SignpostObservation,
    *,
    by: User,
    reason: str,
    now: dt.datetime | None = None,
) -> None:
    """Withdraw an observation: it stays on the page, struck through, and no longer counts."""
    reason = (reason or "").strip()
    if observation.retracted_at is not None:
        raise SignpostError("reason", _("This observation is already retracted."))
    if not reason:
        raise SignpostError("reason", _("Give the reason for the retraction."))
    observation.retracted_at = now or utcnow()
    observation.retracted_by_id = by.id
    observation.retraction_reason = reason
    session.flush()
    audit.record(
        session, "signpost.retract_observation", user=by, target=observation,
        before={"retracted": False}, after={"retracted": True, "reason": reason},
    )  # fmt: skip
