from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..db import get_session
from ..models import Recommendation, Signpost, SignpostObservation
from ..moments import Moment
from ..recommendations.operations import load_recommendation
from ..security import requires
from ..vocabulary import Diagnosticity, Direction, Role
from .blueprint import bp
from .forms import ObservationForm, RetractObservationForm, SignpostForm
from .operations import SignpostError, add_signpost, observe_signpost, retract_observation
from .sightings import signposts_at


def recommendation_or_404(slug: str) -> Recommendation:
    recommendation = load_recommendation(get_session(), slug)
    if recommendation is None:
        abort(404)
    return recommendation


def signpost_or_404(recommendation: Recommendation, number: int) -> Signpost:
    signpost = (
        get_session()
        .scalars(
            select(Signpost).where(
                Signpost.recommendation_id == recommendation.id, Signpost.number == number
            )
        )
        .first()
    )
    if signpost is None:
        abort(404)
    return signpost


def back_to_page(slug: str) -> ResponseReturnValue:
    return redirect(url_for("recommendations.show", slug=slug, _anchor="signposts"))


@bp.route("/<slug>/signposts", methods=["GET", "POST"])
@requires(Role.EDITOR)
def edit_signposts(slug: str) -> ResponseReturnValue:
    """List a recommendation's signposts and name a new one."""
    db = get_session()
    recommendation = recommendation_or_404(slug)
    form = SignpostForm()
    if form.validate_on_submit():
        try:
            signpost = add_signpost(
                db, recommendation, event=form.event.data,
                direction=Direction(form.direction.data),
                diagnosticity=Diagnosticity(form.diagnosticity.data), by=current_user,
            )  # fmt: skip
        except SignpostError as error:
            db.rollback()
            getattr(form, error.field).errors.append(str(error))
        else:
            db.commit()
            flash(_("Signpost #%(number)s added.", number=signpost.number), "success")
            return redirect(url_for(".edit_signposts", slug=slug))
    return render_template(
        "signposts/edit.html",
        recommendation=recommendation,
        signposts=signposts_at(db, recommendation.id, Moment(dt.date.today())),
        moment=Moment(dt.date.today()),
        form=form,
    )


@bp.route("/<slug>/signposts/<int:number>/observe", methods=["GET", "POST"])
@requires(Role.ANALYST)
def observe(slug: str, number: int) -> ResponseReturnValue:
    """Record that a signpost was observed, with graded evidence."""
    db = get_session()
    recommendation = recommendation_or_404(slug)
    signpost = signpost_or_404(recommendation, number)
    form = ObservationForm()
    if form.validate_on_submit():
        try:
            observe_signpost(db, signpost, form.observed(), by=current_user)
        except SignpostError as error:
            db.rollback()
            getattr(form, error.field).errors.append(str(error))
        else:
            db.commit()
            flash(_("Signpost #%(number)s recorded as observed.", number=number), "success")
            return back_to_page(slug)
    elif not form.is_submitted():
        form.observed_on.data = dt.date.today()
    return render_template(
        "signposts/observe.html", recommendation=recommendation, signpost=signpost, form=form
    )


@bp.route(
    "/<slug>/signposts/<int:number>/observations/<int:observation>/retract",
    methods=["GET", "POST"],
)
@requires(Role.EDITOR)
def retract(slug: str, number: int, observation: int) -> ResponseReturnValue:
    """Retract an observation: it stays, struck through, and no longer counts."""
    db = get_session()
    recommendation = recommendation_or_404(slug)
    signpost = signpost_or_404(recommendation, number)
    found = db.scalars(
        select(SignpostObservation).where(
            SignpostObservation.signpost_id == signpost.id,
            SignpostObservation.number == observation,
        )
    ).first()
    if found is None:
        abort(404)
    form = RetractObservationForm()
    if form.validate_on_submit():
        try:
            retract_observation(db, found, by=current_user, reason=form.reason.data)
        except SignpostError as error:
            db.rollback()
            form.reason.errors.append(str(error))
        else:
            db.commit()
            flash(_("Observation retracted."), "success")
            return back_to_page(slug)
    return render_template(
        "signposts/retract.html",
        recommendation=recommendation,
        signpost=signpost,
        observation=found,
        form=form,
    )
