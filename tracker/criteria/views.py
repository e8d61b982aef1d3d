from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_session
from ..models import Recommendation
from ..moments import Moment
from ..recommendations.operations import load_recommendation
from ..security import requires
from ..vocabulary import CriterionKind, Role
from .blueprint import bp
from .checklist import load_criteria, version_at
from .forms import CriterionEditForm, CriterionForm
from .operations import CriterionError, add_criterion, revise_criterion


def recommendation_or_404(slug: str) -> Recommendation:
    recommendation = load_recommendation(get_session(), slug)
    if recommendation is None:
        abort(404)
    return recommendation


@bp.route("/<slug>/criteria", methods=["GET", "POST"])
@requires(Role.EDITOR)
def edit_criteria(slug: str) -> ResponseReturnValue:
    """List a recommendation's criteria with their history, and write a new one."""
    db = get_session()
    recommendation = recommendation_or_404(slug)
    form = CriterionForm()
    if form.validate_on_submit():
        try:
            criterion = add_criterion(
                db, recommendation, kind=CriterionKind(form.kind.data), text=form.text.data,
                by=current_user,
            )  # fmt: skip
        except CriterionError as error:
            db.rollback()
            getattr(form, error.field).errors.append(str(error))
        else:
            db.commit()
            flash(_("Criterion #%(number)s added.", number=criterion.number), "success")
            return redirect(
                url_for(".edit_criteria", slug=slug, _anchor=f"criterion-{criterion.number}")
            )
    criteria = load_criteria(db, recommendation.id)
    return render_template(
        "criteria/edit.html",
        recommendation=recommendation,
        criteria=[
            (criterion, version_at(criterion, Moment(dt.date.today()))) for criterion in criteria
        ],
        form=form,
    )


@bp.route("/<slug>/criteria/<int:number>", methods=["GET", "POST"])
@requires(Role.EDITOR)
def revise(slug: str, number: int) -> ResponseReturnValue:
    """Reword or withdraw a criterion: a new version, audited; the earlier ones stay."""
    db = get_session()
    recommendation = recommendation_or_404(slug)
    criterion = next((c for c in load_criteria(db, recommendation.id) if c.number == number), None)
    if criterion is None:
        abort(404)
    latest = criterion.versions[-1]
    form = CriterionEditForm(
        data=None
        if request.method == "POST"
        else {"text": latest.text, "withdrawn": latest.withdrawn}
    )
    if form.validate_on_submit():
        try:
            revise_criterion(
                db, criterion, text=form.text.data, withdrawn=form.withdrawn.data,
                reason=form.reason.data, by=current_user,
            )  # fmt: skip
        except CriterionError as error:
            db.rollback()
            getattr(form, error.field).errors.append(str(error))
        else:
            db.commit()
            flash(_("Criterion #%(number)s: new version saved.", number=number), "success")
            return redirect(url_for(".edit_criteria", slug=slug, _anchor=f"criterion-{number}"))
    return render_template(
        "criteria/revise.html", recommendation=recommendation, criterion=criterion, form=form
    )
