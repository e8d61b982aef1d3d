from __future__ import annotations

import datetime as dt

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from ..db import get_session
from ..services import DashboardFilters, dashboard, filter_choices
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
    """Show every recommendation with its current status."""
    db = get_session()
    filters = filters_from_query()
    today = dt.date.today()
    board = dashboard(
        db, filters, today=today, stale_after_days=current_app.config["STALE_AFTER_DAYS"]
    )
    return render_template(
        "dashboard/index.html",
        board=board,
        filters=filters,
        choices=filter_choices(db),
        today=today,
        stale_after_days=current_app.config["STALE_AFTER_DAYS"],
    )
