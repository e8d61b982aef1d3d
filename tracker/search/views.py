from __future__ import annotations

import functools

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from ..caching import cached_page
from ..db import get_session
from ..drawing import status_badge
from ..security import readable
from ..standings import filter_choices
from ..views import drop_empty_parameters, filters_from_query, item_links, page_from_query
from .blueprint import bp
from .engines import RANKED, terms
from .results import search

PAGE = 50

bp.before_request(drop_empty_parameters)


@bp.get("/search")
@readable
@cached_page
def index() -> ResponseReturnValue:
    """Search recommendations, assessments and evidence, within the dashboard's filters."""
    db = get_session()
    query = request.args.get("q", "").strip()[:500]
    page = page_from_query()
    filters = filters_from_query()
    hits = []
    total = 0
    if query:
        hits, total = search(
            db,
            query,
            filters,
            review_every_days=current_app.config["REVIEW_EVERY_DAYS"],
            limit=PAGE + 1,
            offset=(page - 1) * PAGE,
        )
    return render_template(
        "search/index.html",
        query=query,
        hits=hits[:PAGE],
        total=total,
        ranked=RANKED,
        wants_nothing=bool(query) and not terms(query),
        more=len(hits) > PAGE,
        page=page,
        filters=filters,
        choices=filter_choices(db),
        to_recommendation=item_links("recommendations.show"),
        # The same badge for every hit of a status.
        status_badge=functools.cache(status_badge),
    )
