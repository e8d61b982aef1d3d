"""Making and annulling forecasts: each function adds and flushes, never commits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..models import Forecast, Recommendation, User, utcnow
from ..vocabulary import FORECAST_THRESHOLDS, N_, Likelihood, Status

# Messages in English, for files and the console; the forms show them translated (N_ marks
# them for the catalogues).
NOT_AHEAD = N_("Choose a date after the day the forecast is made: it must resolve in the future.")
NO_REASON = N_("Say why the forecast is annulled.")
PERCENT_RANGE = N_("Enter a percentage from 0 to 100, such as 62 or 62.5.")
ONE_DECIMAL = N_("Give the percentage to one decimal place at most.")


class ForecastError(ValueError):
    """A forecast refused for a reason the analyst can fix; `field` names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def permille_of_percent(text: str) -> int:
    """Read a percentage ("62", "62.5", "62.5 %") as thousandths; ValueError says what is wrong."""
    typed = text.strip().removesuffix("%").strip()
    try:
        value = Decimal(typed)
    except InvalidOperation:
        raise ValueError(PERCENT_RANGE) from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValueError(PERCENT_RANGE)
    permille = value * 10
    if permille != permille.to_integral_value():
        raise ValueError(ONE_DECIMAL)
    return int(permille)


def percent_label(permille: float) -> str:
    """Write thousandths as a percentage: 675 is "67.5%", 600 is "60%"."""
    return f"{permille / 10:.1f}".removesuffix(".0") + "%"


def make_forecast(
    session: Session,
    recommendation: Recommendation,
    *,
    author: User,
    threshold: Status,
    resolves_on: dt.date,
    probability: int,
    likelihood: Likelihood | None,
    reasoning: str | None,
    now: dt.datetime | None = None,
) -> Forecast:
    """Record a forecast, made at `now`: it supersedes the author's earlier one on this
    recommendation, which stays as it was. A likelihood word states its own probability.
    """
    now = now or utcnow()
    if threshold not in FORECAST_THRESHOLDS:
        raise ForecastError("threshold", N_("Choose a status a forecast can name."))
    if resolves_on <= now.date():
        raise ForecastError("resolves_on", NOT_AHEAD)
    if likelihood is not None and probability != likelihood.permille:
        raise ForecastError(
            "probability",
            f"“{likelihood.label}” stands for {percent_label(likelihood.permille)}.",
        )
    if not 0 <= probability <= 1000:
        raise ForecastError("probability", N_("Enter a percentage from 0 to 100."))
    number = (
        session.scalar(
            select(func.max(Forecast.number)).where(Forecast.recommendation_id == recommendation.id)
        )
        or 0
    ) + 1
    forecast = Forecast(
        recommendation_id=recommendation.id,
        number=number,
        author_id=author.id,
        threshold=threshold,
        resolves_on=resolves_on,
        probability=probability,
        likelihood=likelihood,
        reasoning=(reasoning or "").strip() or None,
        created_at=now,
    )
    session.add(forecast)
    session.flush()
    audit.record(session, "forecast.create", user=author, target=forecast, after=describe(forecast))
    return forecast


def annul_forecast(
    session: Session,
    forecast: Forecast,
    *,
    editor: User,
    reason: str,
    now: dt.datetime | None = None,
) -> Forecast:
    """Annul a forecast whose premise is gone: it stays shown, with the reason, unscored."""
    reason = (reason or "").strip()
    if forecast.annulled_at is not None:
        raise ForecastError("reason", N_("This forecast is annulled already."))
    if not reason:
        raise ForecastError("reason", NO_REASON)
    forecast.annulled_at = now or utcnow()
    forecast.annulled_by_id = editor.id
    forecast.annulment_reason = reason
    session.flush()
    audit.record(
        session,
        "forecast.annul",
        user=editor,
        target=forecast,
        before=describe(forecast),
        after={"annulled_at": forecast.annulled_at.isoformat(), "reason": reason},
    )
    return forecast


def describe(forecast: Forecast) -> dict[str, object]:
    """Describe a forecast for the audit trail."""
    return {
        "recommendation_id": forecast.recommendation_id,
        "number": forecast.number,
        "threshold": forecast.threshold.value,
        "resolves_on": forecast.resolves_on.isoformat(),
        "probability": forecast.probability / 1000,
        "likelihood": forecast.likelihood.value if forecast.likelihood else None,
    }
