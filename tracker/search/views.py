from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from ..caching import cached_page
from ..dashboard.views import filters_from_query
from ..db import get_session
from ..services import filter_choices
from ..views import page_from_query
from . import bp
from .results import search

PAGE = 50


@bp.get("/search")
@cached_page
def index() -> ResponseReturnValue:
    """Search recommendations, assessments and evidence, within the dashboard's filters."""
    db = get_session()
    query = request.args.get("q", "").strip()[:500]
    page = page_from_query()
    filters = filters_from_query()
    hits = []
    if query:
        hits = search(
            db,
            query,
            filters,
            stale_after_days=current_app.config["STALE_AFTER_DAYS"],
            limit=PAGE + 1,
            offset=(page - 1) * PAGE,
        )
    return render_template(
        "search/index.html",
        query=query,
        hits=hits[:PAGE],
        more=len(hits) > PAGE,
        page=page,
        filters=filters,
        choices=filter_choices(db),
    )
