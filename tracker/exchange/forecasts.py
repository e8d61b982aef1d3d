"""Forecasts in the JSON format: `forecasts[]`, one entry per forecast as made, annulled or not.

An entry names its recommendation and its `number` among that recommendation's forecasts;
entries already stored are kept as they are, by that pair, and the others are made in order
through the forecasts' own write path, with the time and author they carry. Outcomes and
scores are never in the file: they are read again from the history wherever it is imported.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..auth.services import normalise_email
from ..forecasts.forms import FORECAST
from ..forecasts.operations import NOT_AHEAD, ForecastError, annul_forecast, make_forecast
from ..models import Forecast, Recommendation, User
from ..vocabulary import Likelihood, Status
from .entries import Entries, Numbering, numbers_stored, read_time
from .formats import timestamp

TEXTS = ("recommendation", "author", "made_at", "threshold", "resolves_on", "reasoning")


def load_forecasts(session: Session) -> list[Forecast]:
    """Load every forecast with what its entry names, in the exports' order."""
    rows = session.execute(
        select(Forecast, Recommendation.slug)
        .join(Recommendation, Recommendation.id == Forecast.recommendation_id)
        .options(joinedload(Forecast.author), joinedload(Forecast.annulled_by))
    ).all()
    rows.sort(key=lambda row: (row.slug, row.Forecast.number))
    return [row.Forecast for row in rows]


def forecast_records(session: Session) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Every forecast's entry, and the email and name of everyone they name."""
    slugs = dict(session.execute(select(Recommendation.id, Recommendation.slug)).all())
    records = []
    people: dict[str, str] = {}
    for forecast in load_forecasts(session):
        people[forecast.author.email] = forecast.author.name
        annulled = None
        if forecast.annulled_at is not None and forecast.annulled_by is not None:
            people[forecast.annulled_by.email] = forecast.annulled_by.name
            annulled = {
                "at": timestamp(forecast.annulled_at),
                "by": forecast.annulled_by.email,
                "reason": forecast.annulment_reason,
            }
        records.append(
            {
                "recommendation": slugs[forecast.recommendation_id],
                "number": forecast.number,
                "author": forecast.author.email,
                "made_at": timestamp(forecast.created_at),
                "threshold": forecast.threshold.value,
                "resolves_on": forecast.resolves_on.isoformat(),
                "probability": forecast.probability / 1000,
                "likelihood": forecast.likelihood.value if forecast.likelihood else None,
                "reasoning": forecast.reasoning,
                "annulled": annulled,
            }
        )
    return records, people


def wanted_authors(entries: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """The (path, email) of each entry's author and annuller, for the importer to find."""
    wanted = [(f"{path}.author", str(item.get("author") or "")) for path, item in entries]
    for path, item in entries:
        annulled = item.get("annulled")
        if isinstance(annulled, dict):
            wanted.append((f"{path}.annulled.by", str(annulled.get("by") or "")))
    return wanted


def read_probability(item: dict[str, Any], path: str, found: list[tuple[str, str]]) -> int | None:
    """Read `probability` (0 to 1, to a thousandth) as thousandths, and check its `likelihood`."""
    value = item.get("probability")
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        found.append((f"{path}.probability", "Expected a number from 0 to 1."))
        return None
    permille = round(value * 1000)
    if abs(value * 1000 - permille) > 1e-6:
        found.append((f"{path}.probability", "Give the probability to a thousandth at most."))
        return None
    word = item.get("likelihood")
    if word is None:
        return permille
    if word not in Likelihood._value2member_map_:
        found.append((f"{path}.likelihood", "Expected an ICD 203 likelihood word, or null."))
        return None
    if Likelihood(word).permille != permille:
        found.append(
            (f"{path}.probability", f"“{word}” stands for {Likelihood(word).permille / 1000}.")
        )
        return None
    return permille


def add_forecasts(
    session: Session,
    entries: list[tuple[str, Any]],
    authors: dict[str, User],
    now: dt.datetime,
) -> tuple[list[tuple[str, str]], Counter[str]]:
    """Make the forecasts the database lacks; return the problems (path, message) and counts."""
    reader = Entries(session, entries)
    checked = []
    for entry, found in reader.each(TEXTS, FORECAST):
        path, item = entry.path, entry.item
        texts, data = entry.texts, entry.data
        probability = read_probability(item, path, found)
        word = item.get("likelihood")
        likelihood = Likelihood(word) if word in Likelihood._value2member_map_ else None
        author = authors.get(normalise_email(texts["author"]))
        made_at = read_time(item, "made_at", path, now, found)
        resolves_on = data["resolves_on"]
        if made_at is not None and resolves_on is not None and resolves_on <= made_at.date():
            found.append((f"{path}.resolves_on", NOT_AHEAD))
        annulment = None
        annulled = item.get("annulled")
        if annulled is not None:
            if not isinstance(annulled, dict):
                found.append((f"{path}.annulled", "Expected null or {“at”, “by”, “reason”}."))
            else:
                at = read_time(annulled, "at", f"{path}.annulled", now, found)
                reason = annulled.get("reason")
                if not isinstance(reason, str) or not reason.strip():
                    found.append((f"{path}.annulled.reason", "Say why the forecast is annulled."))
                # An address that is none: the importer's search for authors says so.
                editor = authors.get(normalise_email(str(annulled.get("by") or "")))
                if at is not None and made_at is not None and at < made_at:
                    found.append(
                        (f"{path}.annulled.at", "A forecast is annulled after it is made.")
                    )
                annulment = (at, editor, reason)
        named = author is not None and (annulment is None or annulment[1] is not None)
        if not found and named and made_at is not None:
            checked.append((entry, (data, probability, likelihood, author, made_at, annulment)))
    numbers = Numbering(numbers_stored(session, Forecast), "Expected forecast number {} next.")
    for entry, (data, probability, likelihood, author, made_at, annulment) in reader.new_in_order(
        checked, numbers, "forecasts already present"
    ):
        try:
            forecast = make_forecast(
                session, entry.recommendation, author=author, threshold=Status(data["threshold"]),
                resolves_on=data["resolves_on"], probability=probability, likelihood=likelihood,
                reasoning=data["reasoning"], now=made_at,
            )  # fmt: skip
            if annulment is not None:
                at, editor, reason = annulment
                annul_forecast(session, forecast, editor=editor, reason=reason, now=at)
        except ForecastError as error:
            reader.problems.append((f"{entry.path}.{error.field}", str(error)))
        else:
            reader.counts["forecasts added"] += 1
    return reader.problems, reader.counts
