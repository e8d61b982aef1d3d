from __future__ import annotations

import datetime as dt

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from ..caching import cached_page
from ..charts import Bar, TimeScale, describe, segments
from ..db import get_session
from ..services import (
    DashboardFilters,
    Moment,
    changes_between,
    dashboard,
    filter_choices,
    lanes,
    recent_judgements,
)
from ..views import moment_from_query, page_from_query
from ..vocabulary import Status
from . import bp

PER_PAGE = 100


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
@cached_page
def index() -> ResponseReturnValue:
    """Show every recommendation with its status now, or at the moment the query names."""
    db = get_session()
    filters = filters_from_query()
    moment, date_errors = moment_from_query()
    board = dashboard(
        db,
        filters,
        moment,
        stale_after_days=current_app.config["STALE_AFTER_DAYS"],
        page=page_from_query(),
        per_page=PER_PAGE,
    )
    charts = {
        "overall": [Bar("All shown", board.counts)] if board.total else [],
        "theme": [Bar(name, counts) for name, counts in sorted(board.by_theme.items())],
        "actor": [Bar(name, counts) for name, counts in sorted(board.by_actor.items())],
    }
    return render_template(
        "dashboard/index.html",
        board=board,
        filters=filters,
        choices=filter_choices(db),
        date_errors=date_errors,
        charts=charts,
        recent=recent_judgements(db, moment),
        stale_after_days=current_app.config["STALE_AFTER_DAYS"],
    )


@bp.get("/swimlane")
def swimlane() -> ResponseReturnValue:
    """Show every recommendation's statuses over time, one row each."""
    db = get_session()
    filters = filters_from_query()
    moment, date_errors = moment_from_query()
    rows = lanes(db, filters, moment)
    start = min([lane.recommendation.source.published_on for lane in rows] or [moment.as_of])
    scale = TimeScale(start, moment.as_of, width=560, left=260)
    drawn = [
        {
            "recommendation": lane.recommendation,
            "spans": (spans := segments(lane.judgements, start, moment.as_of)),
            "markers": sorted({day for day, _ in lane.judgements if day >= start}),
            "description": describe(spans),
        }
        for lane in rows
    ]
    return render_template(
        "dashboard/swimlane.html",
        lanes=drawn,
        scale=scale,
        moment=moment,
        date_errors=date_errors,
        filters=filters,
        choices=filter_choices(db),
    )


@bp.get("/compare")
def compare() -> ResponseReturnValue:
    """Show what moved between two dates, by everything known today."""
    db = get_session()
    filters = filters_from_query()
    today = dt.date.today()
    errors = []
    dates = {}
    for name, default in (("from", today - dt.timedelta(days=30)), ("to", today)):
        value = request.args.get(name, "")
        try:
            dates[name] = dt.date.fromisoformat(value) if value else default
        except ValueError:
            errors.append(f"“{value}” is not a date (YYYY-MM-DD).")
            dates[name] = default
    earlier, later = sorted((dates["from"], dates["to"]))
    changes = changes_between(db, filters, Moment(earlier), Moment(later))
    return render_template(
        "dashboard/compare.html", changes=changes, earlier=earlier, later=later, errors=errors
    )
