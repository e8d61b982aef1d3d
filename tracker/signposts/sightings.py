"""Reading signposts at a moment: which were written, which seen, and which seen lately.

Signposts follow the known-on rule only, as target dates and criteria do: they are written in
advance, so an as-of date does not hide one written later. Observations follow both: as of D,
those observed on or before D; known on a day, those recorded by its end, and a retraction
counts from when it was made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, not_, select
from sqlalchemy.orm import Session, joinedload

from ..models import Signpost, SignpostObservation
from ..moments import Moment

# The dashboard's "observed lately": this many days up to the moment's as-of date, that day
# included.
RECENT_DAYS = 30


@dataclass(frozen=True)
class Sighting:
    observation: SignpostObservation
    # Retracted by the moment: shown struck through, not counted.
    retracted: bool


@dataclass(frozen=True)
class SignpostAt:
    signpost: Signpost
    sightings: list[Sighting]

    @property
    def seen(self) -> list[Sighting]:
        return [sighting for sighting in self.sightings if not sighting.retracted]


def known_signposts(moment: Moment) -> ColumnElement[bool]:
    if moment.known_before is None:
        return Signpost.id.is_not(None)
    return Signpost.created_at < moment.known_before


def retracted_by(moment: Moment) -> ColumnElement[bool]:
    """Whether an observation was retracted by `moment`, in SQL."""
    if moment.known_before is None:
        return SignpostObservation.retracted_at.is_not(None)
    return and_(
        SignpostObservation.retracted_at.is_not(None),
        SignpostObservation.retracted_at < moment.known_before,
    )


def known_observations(moment: Moment) -> ColumnElement[bool]:
    """Whether an observation is shown at `moment`, retracted or not, in SQL."""
    observed = SignpostObservation.observed_on <= moment.as_of
    if moment.known_before is None:
        return observed
    return and_(observed, SignpostObservation.created_at < moment.known_before)


def signposts_at(session: Session, recommendation_id: int, moment: Moment) -> list[SignpostAt]:
    """A recommendation's signposts at `moment`, each with its sightings: two queries."""
    signposts = list(
        session.scalars(
            select(Signpost)
            .where(Signpost.recommendation_id == recommendation_id, known_signposts(moment))
            .order_by(Signpost.number)
        )
    )
    if not signposts:
        return []
    found: dict[int, list[Sighting]] = {signpost.id: [] for signpost in signposts}
    query = (
        select(SignpostObservation, retracted_by(moment).label("retracted"))
        .where(SignpostObservation.signpost_id.in_(list(found)), known_observations(moment))
        .order_by(SignpostObservation.observed_on.desc(), SignpostObservation.id.desc())
        .options(
            joinedload(SignpostObservation.author), joinedload(SignpostObservation.retracted_by)
        )
    )
    for observation, retracted in session.execute(query):
        found[observation.signpost_id].append(Sighting(observation, bool(retracted)))
    return [SignpostAt(signpost, found[signpost.id]) for signpost in signposts]


def recent_since(as_of: dt.date, days: int = RECENT_DAYS) -> dt.date:
    """The first day of the `days` that end on `as_of`, that day included."""
    return as_of - dt.timedelta(days=days - 1)


def recently_observed(moment: Moment, since: dt.date | ColumnElement[dt.date]) -> Select:
    """Select the ids of recommendations with a signpost seen from `since` to the as-of date.

    `since` is a date, or a bound parameter when the statement is built once for a moment's
    shape (see `recent_since`).
    """
    return (
        select(Signpost.recommendation_id)
        .join(SignpostObservation, SignpostObservation.signpost_id == Signpost.id)
        .where(
            known_observations(moment),
            SignpostObservation.observed_on >= since,
            not_(retracted_by(moment)),
        )
    )
