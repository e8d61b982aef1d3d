"""The read API of forecasts: a recommendation's, each resolved and scored; each analyst's score."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ..caching import cached_page
from ..db import get_session
from ..forecasts.scoring import (
    Consensus,
    Standing,
    calibration,
    consensus,
    question_of,
    scores,
    standings_at,
)
from ..models import Recommendation
from ..moments import Moment
from .blueprint import bp
from .paging import keyset_page
from .views import link, listing


def forecast_data(standing: Standing, agreed: Consensus | None) -> dict[str, Any]:
    forecast = standing.forecast
    return {
        "number": forecast.number,
        "recommendation": forecast.recommendation.slug,
        "analyst": {"id": forecast.author_id, "name": forecast.author.name},
        "threshold": {"value": forecast.threshold.value, "label": forecast.threshold.label},
        "resolves_on": forecast.resolves_on.isoformat(),
        "probability": forecast.probability / 1000,
        "likelihood": forecast.likelihood.value if forecast.likelihood else None,
        "reasoning": forecast.reasoning,
        "made_at": forecast.created_at.isoformat(),
        "latest": standing.latest,
        "superseded_at": standing.superseded_at.isoformat() if standing.superseded_at else None,
        "annulled": None
        if forecast.annulled_at is None
        else {
            "at": forecast.annulled_at.isoformat(),
            "by": {"name": forecast.annulled_by.name if forecast.annulled_by else ""},
            "reason": forecast.annulment_reason or "",
        },
        "state": standing.state,
        "resolved": standing.resolved,
        "status_then": None
        if standing.status is None
        else {"value": standing.status.value, "label": standing.status.label},
        "outcome": standing.outcome,
        "scored": standing.scored,
        "brier": standing.brier,
        "consensus": None
        if agreed is None
        else {"median": agreed.median / 1000, "count": agreed.count},
    }


@bp.get("/recommendations/<slug>/forecasts")
@cached_page
def forecasts(slug: str) -> ResponseReturnValue:
    """List a recommendation's forecasts, the first made first, each resolved and scored."""
    db = get_session()
    found = db.scalar(select(Recommendation.id).where(Recommendation.slug == slug))
    if found is None:
        abort(404, description=f"No recommendation has the slug “{slug}”.")
    standings = standings_at(db, Moment(dt.date.today()), recommendation_ids=[found])
    agreed = consensus(standings)
    ordered = sorted(standings, key=lambda s: s.forecast.number)
    page, next_url = keyset_page(ordered, lambda s: [s.forecast.number], "api.forecasts", slug=slug)
    return listing(
        [
            forecast_data(
                s, agreed.get(question_of(s.forecast)) if s.latest and not s.annulled else None
            )
            for s in page
        ],
        next_url,
    )


@bp.get("/forecasters")
@cached_page
def forecasters() -> ResponseReturnValue:
    """List every analyst who forecast, with their mean Brier score and calibration."""
    db = get_session()
    standings = standings_at(db, Moment(dt.date.today()))
    ranked = scores(standings)
    position = {score.analyst.id: index for index, score in enumerate(ranked)}
    page, next_url = keyset_page(
        ranked, lambda score: [position[score.analyst.id]], "api.forecasters"
    )
    return listing(
        [
            {
                "analyst": {"id": score.analyst.id, "name": score.analyst.name},
                "made": score.made,
                "open": score.open,
                "scored": len(score.scored),
                "mean_brier": score.mean_brier,
                "calibration": [
                    {
                        "low": item.low / 100,
                        "high": item.high / 100,
                        "count": item.count,
                        "stated": item.stated,
                        "observed": item.observed,
                    }
                    for item in calibration(score.scored)
                ],
                "page": link("forecasts.analyst", user_id=score.analyst.id),
            }
            for score in page
        ],
        next_url,
    )
