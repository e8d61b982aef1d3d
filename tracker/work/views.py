from __future__ import annotations

import datetime as dt

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_session
from ..form_base import TrackerForm
from ..moments import Moment
from ..notifications.views import ButtonForm
from ..saved_views.operations import views_of
from ..standings import DashboardFilters, dashboard
from .blueprint import bp
from .operations import assignments_seen_since, assignments_since, mark_assignments_seen


class SeenForm(TrackerForm):
    """Mark what is shown as seen: a button, its CSRF token and nothing else."""


@bp.get("/me")
def index() -> ResponseReturnValue:
    """Show what I own, the earliest due first, and what was assigned to me since I looked."""
    db = get_session()
    board = dashboard(
        db,
        DashboardFilters(owner_id=current_user.id, sort="due"),
        Moment(dt.date.today()),
        review_every_days=current_app.config["REVIEW_EVERY_DAYS"],
    )
    since = assignments_seen_since(current_user)
    return render_template(
        "work/index.html",
        board=board,
        assigned=assignments_since(db, current_user, since),
        since=since,
        form=SeenForm(),
        views=views_of(db, current_user),
        view_form=ButtonForm(),
    )


@bp.post("/me/seen")
def seen() -> ResponseReturnValue:
    """Mark my new assignments as seen."""
    if SeenForm().validate_on_submit():
        db = get_session()
        mark_assignments_seen(db, current_user)
        db.commit()
        flash(_("New assignments marked as seen."), "success")
    return redirect(url_for(".index"))
