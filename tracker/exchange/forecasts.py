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

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..auth.services import normalise_email
from ..field_rules import check_fields
from ..forecasts.forms import FORECAST
from ..forecasts.operations import NOT_AHEAD, ForecastError, annul_forecast, make_forecast
from ..models import Forecast, Recommendation, User
from ..vocabulary import Likelihood, Status
from .formats import timestamp

TEXTS = ("recommendation", "author", "made_at", "threshold", "resolves_on", "reasoning")
TIME_MESSAGE = "Expected a time, YYYY-MM-DDTHH:MM:SS+00:00."


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


def read_time(text: Any, where: str, now: dt.datetime, found: list[tuple[str, str]]):
    """Read an ISO 8601 time, not in the future; note a problem in `found`."""
    try:
        value = dt.datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        value = None
    if value is None:
        found.append((where, TIME_MESSAGE))
        return None
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    if value > now:
        found.append((where, "The time cannot be in the future."))
        return None
    return value


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
    problems: list[tuple[str, str]] = []
    counts: Counter[str] = Counter()
    slugs = {str(item.get("recommendation")) for _, item in entries}
    recommendations = {
        rec.slug: rec
        for rec in session.scalars(select(Recommendation).where(Recommendation.slug.in_(slugs)))
    }
    stored = dict(
        session.execute(
            select(Forecast.recommendation_id, func.max(Forecast.number)).group_by(
                Forecast.recommendation_id
            )
        ).all()
    )
    checked = []
    for path, item in entries:
        found: list[tuple[str, str]] = []
        for name in TEXTS:
            if item.get(name) is not None and not isinstance(item.get(name), str):
                found.append((f"{path}.{name}", "Expected text."))
        texts = {name: item.get(name) if isinstance(item.get(name), str) else "" for name in TEXTS}
        rec = recommendations.get(texts["recommendation"])
        if rec is None:
            found.append(
                (
                    f"{path}.recommendation",
                    f"No recommendation has the slug “{texts['recommendation']}”.",
                )
            )
        number = item.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            found.append((f"{path}.number", "Expected a whole number from 1."))
            number = None
        data, errors = check_fields(FORECAST, texts)
        found += [
            (f"{path}.{name}", error) for name, messages in errors.items() for error in messages
        ]
        probability = read_probability(item, path, found)
        word = item.get("likelihood")
        likelihood = Likelihood(word) if word in Likelihood._value2member_map_ else None
        author = authors.get(normalise_email(texts["author"]))
        made_at = read_time(texts["made_at"], f"{path}.made_at", now, found)
        resolves_on = data["resolves_on"]
        if made_at is not None and resolves_on is not None and resolves_on <= made_at.date():
            found.append((f"{path}.resolves_on", NOT_AHEAD))
        annulment = None
        annulled = item.get("annulled")
        if annulled is not None:
            if not isinstance(annulled, dict):
                found.append((f"{path}.annulled", "Expected null or {“at”, “by”, “reason”}."))
            else:
                at = read_time(annulled.get("at"), f"{path}.annulled.at", now, found)
                reason = annulled.get("reason")
                if not isinstance(reason, str) or not reason.strip():
                    found.append((f"{path}.annulled.reason", "Say why the forecast is annulled."))
                editor = authors.get(normalise_email(str(annulled.get("by") or "")))
                if editor is None:
                    found.append((f"{path}.annulled.by", "Expected an email address."))
                if at is not None and made_at is not None and at < made_at:
                    found.append(
                        (f"{path}.annulled.at", "A forecast is annulled after it is made.")
                    )
                annulment = (at, editor, reason)
        problems += found
        if not found and rec is not None and author is not None and made_at is not None:
            checked.append(
                (path, rec, number, data, probability, likelihood, author, made_at, annulment)
            )
    checked.sort(key=lambda entry: (entry[1].slug, entry[2]))
    expected: dict[int, int] = {}
    for path, rec, number, data, probability, likelihood, author, made_at, annulment in checked:
        if number <= stored.get(rec.id, 0):
            counts["forecasts already present"] += 1
            continue
        following = expected.get(rec.id, stored.get(rec.id, 0) + 1)
        if number != following:
            problems.append((f"{path}.number", f"Expected forecast number {following} next."))
            continue
        expected[rec.id] = number + 1
        if problems:
            continue  # a refused file: spare the writes
        try:
            forecast = make_forecast(
                session, rec, author=author, threshold=Status(data["threshold"]),
                resolves_on=data["resolves_on"], probability=probability,
                likelihood=likelihood,
                reasoning=data["reasoning"], now=made_at,
            )  # fmt: skip
            if annulment is not None:
                at, editor, reason = annulment
                annul_forecast(session, forecast, editor=editor, reason=reason, now=at)
        except ForecastError as error:
            problems.append((f"{path}.{error.field}", str(error)))
        else:
            counts["forecasts added"] += 1
    return problems, counts
