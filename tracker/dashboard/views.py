from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from dataclasses import replace

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..caching import cached_page
from ..changes import (
    changes_by_recommendation,
    count_changes,
    list_changes,
    mark_changes_seen,
    seen_since,
)
from ..charts import Bar, BarChart, common_scale, timeline, window_from
from ..db import get_session
from ..drawing import status_badge
from ..form_base import TrackerForm
from ..i18n import local_date
from ..moments import Moment, judgement_history
from ..regressions import loss
from ..saved_views.views import view_context
from ..security import readable
from ..standings import (
    Dashboard,
    changes_between,
    dashboard,
    filter_choices,
    lanes,
    recent_judgements,
)
from ..views import (
    Links,
    drop_empty_parameters,
    filters_from_query,
    item_links,
    moment_from_query,
    page_from_query,
    query_args,
)
from ..vocabulary import Status
from .blueprint import bp
from .drawing import RowsDrawing

PER_PAGE = 100
CHANGES_PER_PAGE = 50


class SeenForm(TrackerForm):
    """Mark every change shown as seen: a button and its CSRF token."""


bp.before_request(drop_empty_parameters)


@bp.get("/")
@readable
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
        review_every_days=current_app.config["REVIEW_EVERY_DAYS"],
        page=page_from_query(),
        per_page=PER_PAGE,
        listed=True,
    )
    choices = filter_choices(db)
    # "Since you last looked" is a colleague's: a public reader has no last look.
    inside = current_user.is_authenticated
    since = seen_since(current_user) if inside else None
    changes = changes_by_recommendation(db, current_user, since) if inside else Counter()
    to_dashboard = Links("dashboard.index")
    return render_template(
        "dashboard/index.html",
        board=board,
        since=since,
        change_count=changes.total(),
        seen_form=SeenForm() if inside else None,  # a form's CSRF token would start a session
        filters=filters,
        choices=choices,
        date_errors=date_errors,
        bars=status_charts(board, choices, to_dashboard),
        to_dashboard=to_dashboard,
        rows_drawing=RowsDrawing(
            to_recommendation=item_links(
                "recommendations.show",
                as_of=request.args.get("as_of"),
                known_on=request.args.get("known_on"),
            ),
            to_source=item_links("sources.show"),
            # A status's badge in the table links to the dashboard as shown, on that status.
            status_chip=functools.cache(
                lambda status: status_badge(
                    status, to_dashboard(query_args(status=status.value, page=None))
                )
            ),
            changed=changes,
            with_owner=inside,
            today=moment.known_on or dt.date.today(),
        ),
        to_update=item_links("recommendations.show"),
        recent=recent_judgements(db, moment),
        review_every_days=current_app.config["REVIEW_EVERY_DAYS"],
        **view_context(request.args.get("view"), filters.arguments()),
    )


@bp.get("/regressions")
@readable
@cached_page
def regressions() -> ResponseReturnValue:
    """List the recommendations that held Implemented or Partially implemented and lost it."""
    db = get_session()
    filters = replace(filters_from_query(), regressed=True)
    moment, date_errors = moment_from_query()
    board = dashboard(
        db, filters, moment, review_every_days=current_app.config["REVIEW_EVERY_DAYS"]
    )
    history = judgement_history(db, [row.recommendation.id for row in board.rows], moment)
    return render_template(
        "dashboard/regressions.html",
        items=[(row, loss(history[row.recommendation.id])) for row in board.rows],
        moment=moment,
        date_errors=date_errors,
        filters=filters,
        choices=filter_choices(db),
    )


def status_charts(
    board: Dashboard, choices: dict[str, list[tuple[str, str]]], to_dashboard: Links
) -> dict:
    """The dashboard's bars: all shown, by theme and by actor; each bar and piece a link.

    Themes and actors share one scale, so that a bar of 5 is five times one of 1.
    """
    shown = {key: value for key, value in query_args().items() if value and key != "page"}

    def dashboard_link(**changes: str) -> str:
        """The dashboard as shown, with `changes` to its filters (and from the first page)."""
        return to_dashboard(shown | changes)

    def bars(kind: str, breakdown: dict[str, Counter[Status]]) -> list[Bar]:
        slugs = {name: slug for slug, name in choices[kind]}
        drawn = []
        for name, counts in sorted(breakdown.items()):
            slug = slugs.get(name)
            links = (
                {s: dashboard_link(**{kind: slug, "status": s.value}) for s in counts}
                if slug
                else {}
            )
            drawn.append(Bar(name, counts, dashboard_link(**{kind: slug}) if slug else None, links))
        return drawn

    themes, actors = bars("theme", board.by_theme), bars("actor", board.by_actor)
    overall = Bar(
        _("All shown"),
        board.counts,
        links={s: dashboard_link(status=s.value) for s in board.counts},
    )
    scale = common_scale(themes, actors)
    return {
        "overall": BarChart.of([overall] if board.total else []),
        "theme": BarChart.of(themes, scale=scale),
        "actor": BarChart.of(actors, scale=scale),
    }


@bp.get("/swimlane")
@readable
def swimlane() -> ResponseReturnValue:
    """Show every recommendation's statuses over time, one row each."""
    db = get_session()
    filters = filters_from_query()
    moment, date_errors = moment_from_query()
    rows = lanes(db, filters, moment)
    window = window_from(request.args.get("window"))
    first = min([lane.recommendation.source.published_on for lane in rows] or [moment.as_of])
    drawn = [
        {
            "recommendation": lane.recommendation,
            "chart": timeline(
                lane.judgements,
                first,
                moment.as_of,
                window=window,
                marks=[
                    (day, _("Update as of %(day)s", day=local_date(day)))
                    for day, _status in lane.judgements
                ],
            ),
        }
        for lane in rows
    ]
    return render_template(
        "dashboard/swimlane.html",
        lanes=drawn,
        window=window,
        moment=moment,
        date_errors=date_errors,
        filters=filters,
        choices=filter_choices(db),
    )


@bp.get("/compare")
@readable
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
            errors.append(_("“%(value)s” is not a date (YYYY-MM-DD).", value=value))
            dates[name] = default
    earlier, later = sorted((dates["from"], dates["to"]))
    changes = changes_between(db, filters, Moment(earlier), Moment(later))
    return render_template(
        "dashboard/compare.html", changes=changes, earlier=earlier, later=later, errors=errors
    )


@bp.get("/changes")
def changes() -> ResponseReturnValue:
    """List what colleagues changed since I last looked, newest first."""
    db = get_session()
    since = seen_since(current_user)
    page = page_from_query()
    items = list_changes(
        db, current_user, since, limit=CHANGES_PER_PAGE + 1, offset=(page - 1) * CHANGES_PER_PAGE
    )
    return render_template(
        "dashboard/changes.html",
        items=items[:CHANGES_PER_PAGE],
        more=len(items) > CHANGES_PER_PAGE,
        page=page,
        since=since,
        total=count_changes(db, current_user, since),
        seen_form=SeenForm(),
    )


@bp.post("/changes/seen")
def mark_seen() -> ResponseReturnValue:
    """Mark every change so far as seen: the count starts again from now."""
    if SeenForm().validate_on_submit():
        db = get_session()
        mark_changes_seen(db, current_user)
        db.commit()
        flash(_("All changes marked as seen."), "success")
    return redirect(url_for(".index"))
