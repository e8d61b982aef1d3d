from __future__ import annotations

from flask import Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ..charts import TimeScale, describe, segments
from ..db import get_session
from ..models import Source
from ..standings import DashboardFilters, dashboard, lanes
from ..targets.ledger import ledgers
from ..templating import query_args
from ..timelines import updates_with_evidence
from ..views import moment_from_query
from .blueprint import bp
from .pdf import PdfUnavailable, render_pdf

PAPERS = {"a4": "A4", "letter": "Letter"}


def report(source: Source | None) -> ResponseReturnValue:
    """Render the report card as a printable page, or as a PDF with ?format=pdf."""
    db = get_session()
    moment, date_errors = moment_from_query()
    filters = DashboardFilters(source=source.slug if source else None)
    every = current_app.config["REVIEW_EVERY_DAYS"]
    board = dashboard(db, filters, moment, review_every_days=every)
    updates = updates_with_evidence(
        db, (row.judgement.update_id for row in board.rows if row.judgement)
    )
    start = min([row.recommendation.source.published_on for row in board.rows] or [moment.as_of])
    scale = TimeScale(start, moment.as_of, width=560, left=10)
    timelines = {
        lane.recommendation.id: segments(lane.judgements, start, moment.as_of)
        for lane in lanes(db, filters, moment)
    }
    paper = PAPERS.get(request.args.get("paper", "a4"), "A4")
    for_pdf = request.args.get("format") == "pdf"
    html = render_template(
        "reports/report.html",
        source=source,
        board=board,
        updates=updates,
        targets=ledgers(db, [row.recommendation.id for row in board.rows], moment),
        timelines=timelines,
        describe=describe,
        scale=scale,
        moment=moment,
        date_errors=date_errors,
        paper=paper,
        for_pdf=for_pdf,
        pdf_links={
            key: url_for(
                request.endpoint or "",
                **(request.view_args or {}),
                **query_args(format="pdf", paper=key),
            )
            for key in PAPERS
        },  # fmt: skip
    )
    if not for_pdf:
        return html
    try:
        pdf = render_pdf(html, paper)
    except PdfUnavailable as error:
        message = str(error)
        return render_template(
            "error.html", code=503, title="PDF unavailable", message=message
        ), 503
    name = source.slug if source else "tracker"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}-report-card.pdf"'},
    )


@bp.get("/report")
def tracker_report() -> ResponseReturnValue:
    """Report on every recommendation Tracker holds."""
    return report(None)


@bp.get("/sources/<slug>/report")
def source_report(slug: str) -> ResponseReturnValue:
    """Report on one source's recommendations: its report card."""
    source = get_session().scalars(select(Source).where(Source.slug == slug)).first()
    if source is None:
        abort(404)
    return report(source)
