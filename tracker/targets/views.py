from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_session
from ..moments import Moment
from ..recommendations.operations import load_recommendation
from ..security import requires
from ..vocabulary import Role, TargetOrigin
from .blueprint import bp
from .forms import TargetDateForm
from .ledger import ledgers
from .operations import TargetError, set_target_date


@bp.route("/<slug>/target", methods=["GET", "POST"])
@requires(Role.EDITOR)
def set_target(slug: str) -> ResponseReturnValue:
    """Set a recommendation's target date, or change it with the reason; the ledger keeps all."""
    db = get_session()
    recommendation = load_recommendation(db, slug)
    if recommendation is None:
        abort(404)
    ledger = ledgers(db, [recommendation.id], Moment(dt.date.today())).get(recommendation.id)
    form = TargetDateForm(changing=ledger is not None)
    if form.validate_on_submit():
        try:
            set_target_date(
                db,
                recommendation,
                target=form.target.data,
                origin=TargetOrigin(form.origin.data),
                detail=form.detail.data,
                reason=form.reason.data,
                by=current_user,
            )
        except TargetError as error:
            db.rollback()
            getattr(form, error.field).errors.append(str(error))
        else:
            db.commit()
            flash(_("Target date changed.") if ledger else _("Target date set."), "success")
            return redirect(url_for("recommendations.show", slug=slug, _anchor="target"))
    elif not form.is_submitted() and ledger is not None:
        form.target.data = ledger.current.target
        form.origin.data = ledger.current.origin.value
        form.detail.data = ledger.current.detail
    return render_template(
        "targets/set.html", recommendation=recommendation, form=form, ledger=ledger
    )
