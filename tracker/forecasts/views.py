from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..caching import cached_page
from ..db import get_session
from ..models import Forecast, User
from ..moments import Moment
from ..recommendations.operations import load_recommendation
from ..security import requires
from ..views import MAX_ID, moment_from_query
from ..vocabulary import Role, Status
from .blueprint import bp
from .forms import AnnulmentForm, ForecastForm
from .operations import ForecastError, annul_forecast, make_forecast
from .scoring import board_of, calibration, scores, standings_at


@bp.route("/recommendations/<slug>/forecast", methods=["GET", "POST"])
@requires(Role.ANALYST)
def new(slug: str) -> ResponseReturnValue:
    """Forecast that by a date the recommendation will be a status or better."""
    db = get_session()
    recommendation = load_recommendation(db, slug)
    if recommendation is None:
        abort(404)
    form = ForecastForm()
    if form.validate_on_submit():
        assert form.permille is not None  # set by validating the percentage
        try:
            make_forecast(
                db,
                recommendation,
                author=current_user,
                threshold=Status(form.threshold.data),
                resolves_on=form.resolves_on.data,
                probability=form.permille,
                likelihood=form.chosen_likelihood,
                reasoning=form.reasoning.data,
            )
        except ForecastError as error:
            db.rollback()
            field = form.percent if error.field == "probability" else getattr(form, error.field)
            field.errors.append(_(str(error)))
        else:
            db.commit()
            flash(_("Forecast recorded."), "success")
            return redirect(url_for("recommendations.show", slug=slug, _anchor="forecasts"))
    elif not form.is_submitted():
        form.fill_question(request.args.get("threshold"), request.args.get("resolves_on"))
    board = board_of(db, recommendation.id, Moment(dt.date.today()))
    return render_template(
        "forecasts/new.html", recommendation=recommendation, form=form, board=board
    )


@bp.route("/recommendations/<slug>/forecasts/<int:forecast_id>/annul", methods=["GET", "POST"])
@requires(Role.EDITOR)
def annul(slug: str, forecast_id: int) -> ResponseReturnValue:
    """Annul a forecast whose premise is gone, with the reason: it is no longer scored."""
    db = get_session()
    forecast = db.scalars(
        select(Forecast)
        .where(Forecast.id == forecast_id)
        .options(joinedload(Forecast.author), joinedload(Forecast.recommendation))
    ).first()
    if forecast is None or forecast.recommendation.slug != slug:
        abort(404)
    form = AnnulmentForm()
    if forecast.annulled_at is None and form.validate_on_submit():
        try:
            annul_forecast(db, forecast, editor=current_user, reason=form.reason.data)
        except ForecastError as error:
            db.rollback()
            form.reason.errors.append(_(str(error)))
        else:
            db.commit()
            flash(_("Forecast annulled: it is no longer scored."), "success")
            return redirect(url_for("recommendations.show", slug=slug, _anchor="forecasts"))
    return render_template("forecasts/annul.html", forecast=forecast, form=form)


@bp.get("/forecasts")
@cached_page
def index() -> ResponseReturnValue:
    """Show each analyst's mean Brier score and everyone's calibration."""
    db = get_session()
    moment, date_errors = moment_from_query()
    standings = standings_at(db, moment)
    return render_template(
        "forecasts/index.html",
        scores=scores(standings),
        bins=calibration(standings),
        resolved=sorted(
            (s for s in standings if s.resolved),
            key=lambda s: (s.forecast.resolves_on, s.forecast.id),
            reverse=True,
        ),
        moment=moment,
        date_errors=date_errors,
    )


@bp.get("/forecasts/analysts/<int:user_id>")
@cached_page
def analyst(user_id: int) -> ResponseReturnValue:
    """Show one analyst's forecasts, their scores and their calibration."""
    db = get_session()
    user = db.get(User, user_id) if user_id <= MAX_ID else None
    if user is None:
        abort(404)
    moment, date_errors = moment_from_query()
    standings = standings_at(db, moment, author_id=user.id)
    found = scores(standings)
    return render_template(
        "forecasts/analyst.html",
        analyst=user,
        score=found[0] if found else None,
        bins=calibration(standings),
        standings=list(reversed(standings)),
        moment=moment,
        date_errors=date_errors,
    )
