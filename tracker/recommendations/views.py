from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..db import get_session
from ..models import Recommendation
from ..security import requires
from ..services import (
    TrackingError,
    current_update,
    load_recommendation,
    record_status_update,
    timeline,
)
from ..vocabulary import Confidence, Role, Status
from . import bp
from .forms import StatusUpdateForm


def get_recommendation_or_404(slug: str) -> Recommendation:
    recommendation = load_recommendation(get_session(), slug)
    if recommendation is None:
        abort(404)
    return recommendation


@bp.get("/<slug>")
def show(slug: str) -> ResponseReturnValue:
    """Show a recommendation, the source's own words for it, and its whole history."""
    recommendation = get_recommendation_or_404(slug)
    updates = timeline(get_session(), recommendation)
    return render_template(
        "recommendations/show.html",
        recommendation=recommendation,
        updates=updates,
        current=current_update(updates, dt.date.today()),
    )


@bp.route("/<slug>/updates/new", methods=["GET", "POST"])
@requires(Role.ANALYST)
def log_update(slug: str) -> ResponseReturnValue:
    """Log a status update with its evidence; a button adds evidence rows without JavaScript."""
    db = get_session()
    recommendation = get_recommendation_or_404(slug)
    form = StatusUpdateForm()
    if form.add_evidence.data and form.is_submitted():
        if len(form.evidence) < form.evidence.max_entries:
            form.evidence.append_entry()
    elif form.validate_on_submit():
        try:
            record_status_update(
                db,
                recommendation,
                author=current_user,
                status=Status(form.status.data),
                as_of=form.as_of.data,
                assessment=form.assessment.data.strip(),
                confidence=Confidence(form.confidence.data),
                evidence=form.evidence_inputs(),
            )
        except TrackingError as error:
            db.rollback()
            form.form_errors.append(str(error))
        else:
            db.commit()
            flash("Status update logged.", "success")
            return redirect(url_for(".show", slug=slug))
    elif not form.is_submitted():
        current = current_update(timeline(db, recommendation), dt.date.today())
        form.status.data = current.status.value if current else None
        form.as_of.data = dt.date.today()
    return render_template(
        "recommendations/log_update.html", recommendation=recommendation, form=form
    )
