from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from ..db import get_session
from ..services import DashboardFilters, dashboard, filter_choices
from ..views import moment_from_query
from ..vocabulary import Status
from . import bp


def filters_from_query() -> DashboardFilters:
    """Read the filters from the query string, so a filtered view can be bookmarked."""
    args = request.args
    status = args.get("status")
    sort = args.get("sort", "position")
    return DashboardFilters(
        source=args.get("source") or None,
        theme=args.get("theme") or None,
        actor=args.get("actor") or None,
        status=Status(status) if status in Status._value2member_map_ else None,
        sort=sort if sort in DashboardFilters.SORTS else "position",
    )


@bp.get("/")
def index() -> ResponseReturnValue:
    """Show every recommendation with its status now, or at the moment the query names."""
    db = get_session()
    filters = filters_from_query()
    moment, date_errors = moment_from_query()
    board = dashboard(
        db, filters, moment, stale_after_days=current_app.config["STALE_AFTER_DAYS"]
    )
    return render_template(
        "dashboard/index.html",
        board=board,
        filters=filters,
        choices=filter_choices(db),
        date_errors=date_errors,
        stale_after_days=current_app.config["STALE_AFTER_DAYS"],
    )
