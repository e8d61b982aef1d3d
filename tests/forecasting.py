"""A history logged in the past and forecasts made on it, shared by the forecast tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.forecasts.operations import annul_forecast, make_forecast
from tracker.models import Forecast, Recommendation, User
from tracker.status_updates import EvidenceInput, record_status_update
from tracker.vocabulary import Confidence, Credibility, Likelihood, Reliability, Stance, Status

from .helpers import SLUG

TALKS = "un-supported-talks-on-coalition-presence"
DECLARATION = "iraqi-declaration-on-attacks-against-coalition"


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), dt.UTC)


def recommendation(db: Session, slug: str) -> Recommendation:
    return db.scalars(select(Recommendation).where(Recommendation.slug == slug)).one()


def log(db: Session, author: User, slug: str, status: Status, as_of: str, logged: str) -> None:
    """Log an update as of `as_of` on the day `logged`, through the one write path."""
    record_status_update(
        db,
        recommendation(db, slug),
        author=author,
        status=status,
        as_of=dt.date.fromisoformat(as_of),
        assessment=f"{status.label} as of {as_of}.",
        confidence=Confidence.MODERATE,
        evidence=[
            EvidenceInput(
                url=f"https://news.example.org/{slug}/{as_of}",
                title=f"Report of {as_of}",
                publisher="Example News",
                excerpt="Quoted words.",
                stance=Stance.SUPPORTS,
                reliability=Reliability.B,
                credibility=Credibility.PROBABLE,
            )
        ],
        change_reason="Events moved.",
        now=at(logged),
    )


def forecast(
    db: Session,
    author: User,
    slug: str,
    threshold: Status,
    by: str,
    made: str,
    *,
    word: Likelihood | None = None,
    permille: int | None = None,
) -> Forecast:
    return make_forecast(
        db,
        recommendation(db, slug),
        author=author,
        threshold=threshold,
        resolves_on=dt.date.fromisoformat(by),
        probability=word.permille if word else permille or 0,
        likelihood=word,
        reasoning=None,
        now=at(made),
    )


def history_and_forecasts(
    db: Session, nadia: User, omar: User, editor: User
) -> dict[str, Forecast]:
    """The seeded article's history as logged in 2020-2021, and seven forecasts on it.

    Scored: n1, n2, n4 by Nadia and o5, o6 by Omar. n3 is superseded by n4 before its date;
    o7 is annulled.
    """
    log(db, nadia, SLUG, Status.IN_PROGRESS, "2020-03-01", "2020-03-02")
    log(db, nadia, SLUG, Status.PARTIAL, "2020-09-01", "2020-09-02")
    log(db, nadia, TALKS, Status.NO_ACTION, "2020-02-01", "2020-02-02")
    # Backfilled after the talks forecasts resolved: it does not move their outcome.
    log(db, nadia, TALKS, Status.IMPLEMENTED, "2021-03-01", "2021-08-01")
    log(db, nadia, DECLARATION, Status.CONTRADICTED, "2020-04-01", "2020-04-02")
    made = {
        "n1": forecast(db, nadia, SLUG, Status.IN_PROGRESS, "2020-06-30", "2020-01-20",
                       word=Likelihood.LIKELY),
        # Supersedes n1 after n1's date: n1 keeps its score.
        "n2": forecast(db, nadia, SLUG, Status.IMPLEMENTED, "2020-12-31", "2020-07-01",
                       permille=400),
        "n3": forecast(db, nadia, TALKS, Status.IMPLEMENTED, "2021-06-30", "2020-02-10",
                       permille=800),
        # Supersedes n3 before its date: only n4 is scored on that question.
        "n4": forecast(db, nadia, TALKS, Status.IMPLEMENTED, "2021-06-30", "2020-05-01",
                       permille=300),
        "o5": forecast(db, omar, TALKS, Status.IMPLEMENTED, "2021-06-30", "2020-03-01",
                       word=Likelihood.VERY_LIKELY),
        "o6": forecast(db, omar, SLUG, Status.PARTIAL, "2020-12-31", "2020-06-01",
                       word=Likelihood.ALMOST_CERTAIN),
        "o7": forecast(db, omar, DECLARATION, Status.IN_PROGRESS, "2021-01-01", "2020-02-15",
                       permille=500),
    }  # fmt: skip
    annul_forecast(
        db, made["o7"], editor=editor, reason="The declaration was overtaken by the strikes.",
        now=at("2020-04-03"),
    )  # fmt: skip
    db.commit()
    return made
