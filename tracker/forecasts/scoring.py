"""Forecasts at a moment, resolved from the recorded history and scored, never typed in.

The rules, all read from the stored history:

- A forecast "by D, S or better" resolves at the end of D: its outcome is 1 when the status
  in force as of D, as Tracker showed it on D (`Moment(D, known_on=D)`), is S or better
  (`vocabulary.meets`), else 0. What is logged later about D does not move it.
- A new forecast by the same analyst on the same recommendation supersedes the earlier one.
  Only the forecast an analyst stood by when its date came is scored: one superseded by the
  end of its date is not, one superseded later keeps its score.
- An annulled forecast is not scored. Its Brier score is (p - o)²; an analyst's is the mean.
- At a moment (`as_of`, `known_on`), forecasts are shown once made by the end of the moment's
  day (the earlier of the two dates), annulments once known, and a forecast counts as resolved
  when its date is before that day.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Row, select
from sqlalchemy.orm import Session, joinedload

from ..models import Forecast, StatusRevision, StatusUpdate, User
from ..moments import Moment
from ..vocabulary import RevisionKind, Status, meets
from .operations import percent_label

BINS = 10  # the calibration chart's bins: 0-10%, 10-20%, ..., 90-100%


def day_of(moment: Moment) -> dt.date:
    """The day a moment reaches: its as-of date, or its known-on date when that is earlier."""
    if moment.known_on is None:
        return moment.as_of
    return min(moment.as_of, moment.known_on)


def end_of(day: dt.date) -> dt.datetime:
    """The first instant after `day` (UTC): what is known on `day` was logged before it."""
    known_before = Moment(day, known_on=day).known_before
    assert known_before is not None
    return known_before


@dataclass(frozen=True)
class Standing:
    """A forecast as it stands at a moment."""

    forecast: Forecast
    latest: bool  # the analyst's latest on the recommendation, at the moment
    superseded_at: dt.datetime | None  # when the analyst's next forecast on it was made
    annulled: bool
    resolved: bool  # its date has passed
    status: Status | None = None  # the status as of its date, known on its date
    outcome: int | None = None  # 1: it came true; 0: it did not

    @property
    def stated(self) -> str:
        """The probability as stated: "Likely (67.5%)" or "62%"."""
        forecast = self.forecast
        shown = percent_label(forecast.probability)
        return f"{forecast.likelihood.label} ({shown})" if forecast.likelihood else shown

    @property
    def scored(self) -> bool:
        """Resolved, not annulled, and not superseded by the end of its date."""
        return (
            self.resolved
            and not self.annulled
            and (
                self.superseded_at is None
                or self.superseded_at >= end_of(self.forecast.resolves_on)
            )
        )

    @property
    def brier(self) -> float | None:
        """(p - o)², from 0 (perfect) to 1, when scored."""
        if not self.scored or self.outcome is None:
            return None
        return (self.forecast.probability - 1000 * self.outcome) ** 2 / 1_000_000

    @property
    def state(self) -> str:
        if self.annulled:
            return "annulled"
        if self.resolved and not self.scored:
            return "superseded"
        if self.resolved:
            return "came-true" if self.outcome else "did-not"
        return "open" if self.latest else "superseded"


def visible_forecasts(moment: Moment) -> ColumnElement[bool]:
    """The condition of a forecast shown at `moment`: made by the end of its day."""
    return Forecast.created_at < end_of(day_of(moment))


def load_forecasts(
    session: Session,
    moment: Moment,
    *,
    recommendation_ids: Collection[int] | None = None,
    author_id: int | None = None,
) -> list[Forecast]:
    """Load the forecasts shown at `moment`, oldest first, with authors and recommendations."""
    query = (
        select(Forecast)
        .where(visible_forecasts(moment))
        .order_by(Forecast.created_at, Forecast.id)
        .options(
            joinedload(Forecast.author),
            joinedload(Forecast.annulled_by),
            joinedload(Forecast.recommendation),
        )
    )
    if recommendation_ids is not None:
        query = query.where(Forecast.recommendation_id.in_(list(recommendation_ids)))
    if author_id is not None:
        query = query.where(Forecast.author_id == author_id)
    return list(session.scalars(query))


def load_revisions(
    session: Session, recommendation_ids: Collection[int], before: dt.datetime
) -> list[Row[Any]]:
    """Load every revision logged before `before` of these recommendations' updates: the
    history forecasts resolve from, one query however many forecasts."""
    if not recommendation_ids:
        return []
    query = (
        select(
            StatusUpdate.recommendation_id,
            StatusRevision.update_id,
            StatusRevision.number,
            StatusRevision.kind,
            StatusRevision.status,
            StatusRevision.as_of,
            StatusRevision.created_at,
            StatusUpdate.created_at.label("logged_at"),
        )
        .join(StatusUpdate, StatusUpdate.id == StatusRevision.update_id)
        .where(
            StatusUpdate.recommendation_id.in_(list(recommendation_ids)),
            StatusRevision.created_at < before,
        )
        .order_by(StatusRevision.update_id, StatusRevision.number)
    )
    return list(session.execute(query))


def status_on(revisions: Iterable[Row[Any]], day: dt.date) -> Status:
    """The status in force as of `day`, as shown on `day`: the rule of `tracker.moments`, on
    one recommendation's revisions (ordered by update and number) in Python."""
    known_before = end_of(day)
    shown: dict[int, Row[Any]] = {}
    for row in revisions:
        if row.created_at < known_before:
            shown[row.update_id] = row
    in_force = [
        row for row in shown.values() if row.kind != RevisionKind.RETRACTION and row.as_of <= day
    ]
    if not in_force:
        return Status.NOT_ASSESSED
    best = max(in_force, key=lambda row: (row.as_of, row.logged_at, row.update_id))
    return Status(best.status)


def stand(
    forecasts: Sequence[Forecast], revisions: Sequence[Row[Any]], moment: Moment
) -> list[Standing]:
    """Judge each forecast (of those shown at `moment`, oldest first) as it stands then."""
    day = day_of(moment)
    history: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in revisions:
        history[row.recommendation_id].append(row)
    following: dict[int, dt.datetime] = {}
    last: dict[tuple[int, int], Forecast] = {}
    for forecast in forecasts:
        key = (forecast.author_id, forecast.recommendation_id)
        if key in last:
            following[last[key].id] = forecast.created_at
        last[key] = forecast
    standings = []
    for forecast in forecasts:
        annulled = forecast.annulled_at is not None and (
            moment.known_before is None or forecast.annulled_at < moment.known_before
        )
        resolved = forecast.resolves_on < day
        status = outcome = None
        if resolved:
            status = status_on(history[forecast.recommendation_id], forecast.resolves_on)
            outcome = int(meets(status, forecast.threshold))
        standings.append(
            Standing(
                forecast=forecast,
                latest=forecast.id not in following,
                superseded_at=following.get(forecast.id),
                annulled=annulled,
                resolved=resolved,
                status=status,
                outcome=outcome,
            )
        )
    return standings


def standings_at(
    session: Session,
    moment: Moment,
    *,
    recommendation_ids: Collection[int] | None = None,
    author_id: int | None = None,
) -> list[Standing]:
    """Load and judge the forecasts shown at `moment`: two queries."""
    forecasts = load_forecasts(
        session, moment, recommendation_ids=recommendation_ids, author_id=author_id
    )
    resolved = [f for f in forecasts if f.resolves_on < day_of(moment)]
    latest_date = max((f.resolves_on for f in resolved), default=None)
    revisions = (
        load_revisions(session, {f.recommendation_id for f in resolved}, end_of(latest_date))
        if latest_date is not None
        else []
    )
    return stand(forecasts, revisions, moment)


@dataclass(frozen=True)
class Bin:
    """One bin of the calibration chart: forecasts whose probability falls in it."""

    low: int  # percent
    high: int
    count: int
    stated: float  # their mean stated probability, 0 to 1
    observed: float  # the share of them that came true, 0 to 1

    @property
    def label(self) -> str:
        return f"{self.low}-{self.high}%"


def calibration(standings: Iterable[Standing]) -> list[Bin]:
    """Bin the scored forecasts by stated probability; each bin's share that came true."""
    groups: dict[int, list[Standing]] = defaultdict(list)
    for standing in standings:
        if standing.scored:
            groups[min(standing.forecast.probability // (1000 // BINS), BINS - 1)].append(standing)
    bins = []
    for index in sorted(groups):
        members = groups[index]
        bins.append(
            Bin(
                low=index * 100 // BINS,
                high=(index + 1) * 100 // BINS,
                count=len(members),
                stated=sum(s.forecast.probability for s in members) / (1000 * len(members)),
                observed=sum(s.outcome or 0 for s in members) / len(members),
            )
        )
    return bins


@dataclass(frozen=True)
class Score:
    """An analyst's record: their forecasts, those scored, and the mean Brier score."""

    analyst: User
    made: int
    open: int
    scored: list[Standing] = field(default_factory=list)

    @property
    def mean_brier(self) -> float | None:
        if not self.scored:
            return None
        squares = sum((s.forecast.probability - 1000 * (s.outcome or 0)) ** 2 for s in self.scored)
        return squares / (1_000_000 * len(self.scored))


def scores(standings: Sequence[Standing]) -> list[Score]:
    """Each analyst's score, the best (lowest mean Brier) first, those unscored last."""
    by_author: dict[int, list[Standing]] = defaultdict(list)
    for standing in standings:
        by_author[standing.forecast.author_id].append(standing)
    found = [
        Score(
            analyst=own[0].forecast.author,
            made=len(own),
            open=sum(1 for s in own if s.state == "open"),
            scored=[s for s in own if s.scored],
        )
        for own in by_author.values()
    ]
    return sorted(
        found,
        key=lambda score: (
            score.mean_brier is None,
            score.mean_brier or 0,
            score.analyst.name,
            score.analyst.id,
        ),
    )


Question = tuple[int, Status, dt.date]


def question_of(forecast: Forecast) -> Question:
    """What a forecast asks: of which recommendation, which threshold, by which date."""
    return (forecast.recommendation_id, forecast.threshold, forecast.resolves_on)


@dataclass(frozen=True)
class Consensus:
    """The median probability (thousandths) of everyone's latest forecasts on one question."""

    median: float
    count: int

    @property
    def stated(self) -> str:
        return percent_label(self.median)


def consensus(standings: Iterable[Standing]) -> dict[Question, Consensus]:
    """The median of everyone's latest forecasts on each question: the same recommendation,
    threshold and date. Annulled forecasts are left out."""
    groups: dict[Question, list[int]] = defaultdict(list)
    for standing in standings:
        if standing.latest and not standing.annulled:
            groups[question_of(standing.forecast)].append(standing.forecast.probability)
    return {
        question: Consensus(statistics.median(values), len(values))
        for question, values in groups.items()
    }


@dataclass(frozen=True)
class Board:
    """A recommendation's forecasts at a moment: each analyst's latest with the median of
    everyone's latest on the same question, then the earlier ones."""

    latest: list[tuple[Standing, Consensus | None]]  # None for an annulled one
    earlier: list[Standing]


def board_of(session: Session, recommendation_id: int, moment: Moment) -> Board:
    """Load a recommendation's forecasts at `moment`, the newest first."""
    standings = standings_at(session, moment, recommendation_ids=[recommendation_id])
    medians = consensus(standings)
    newest = list(reversed(standings))
    return Board(
        latest=[
            (s, None if s.annulled else medians[question_of(s.forecast)])
            for s in newest
            if s.latest
        ],
        earlier=[s for s in newest if not s.latest],
    )
