from __future__ import annotations

from flask import Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ..charts import window_from
from ..db import get_session
from ..models import Source
from ..security import readable
from ..targets.ledger import ledgers
from ..views import moment_from_query, query_args
from .blueprint import bp
from .card import ReportCard, build_report, file_name
from .pdf import PdfUnavailable, render_pdf

PAPERS = {"a4": "A4", "letter": "Letter"}


def download_link(**changes: str) -> str:
    """This report card with `changes` to its query (a format, a paper)."""
    args = {key: value for key, value in query_args().items() if value} | changes
    return url_for(request.endpoint or "", **(request.view_args or {}), **args)


def dashboard_link(card: ReportCard, **changes: str) -> str:
    """The dashboard filtered on this report card's source (if any) and `changes`."""
    args = {"source": card.source.slug} if card.source else {}
    for name in ("as_of", "known_on"):
        if request.args.get(name):
            args[name] = request.args[name]
    return url_for("dashboard.index", **args, **changes)


def report(source: Source | None) -> ResponseReturnValue:
    """Render the report card as a page, or with ?format=pdf (A4 or Letter) or ?format=docx."""
    moment, date_errors = moment_from_query()
    db = get_session()
    card = build_report(
        db,
        source,
        moment,
        window=window_from(request.args.get("window")),
        review_every_days=current_app.config["REVIEW_EVERY_DAYS"],
    )
    form = request.args.get("format")
    if form == "docx":
        from .word import DOCX_MIMETYPE, render_docx  # python-docx (8 MB) only when asked for

        return Response(
            render_docx(card),
            mimetype=DOCX_MIMETYPE,
            headers={"Content-Disposition": f'attachment; filename="{file_name(source, "docx")}"'},
        )
    paper = PAPERS.get(request.args.get("paper", "a4"), "A4")
    for_pdf = form == "pdf"
    status_links = {status: dashboard_link(card, status=status.value) for status, _ in card.counts}
    html = render_template(
        "reports/report.html",
        card=card,
        source=source,
        targets=ledgers(db, [row.recommendation.id for row in card.board.rows], moment),
        moment=moment,
        date_errors=date_errors,
        paper=paper,
        for_pdf=for_pdf,
        status_links={} if for_pdf else status_links,
        downloads={
            "a4": download_link(format="pdf", paper="a4"),
            "letter": download_link(format="pdf", paper="letter"),
            "docx": download_link(format="docx"),
        },
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
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{file_name(source, "pdf")}"'},
    )


@bp.get("/report")
@readable
def tracker_report() -> ResponseReturnValue:
    """Report on every recommendation Tracker holds."""
    return report(None)


@bp.get("/sources/<slug>/report")
@readable
def source_report(slug: str) -> ResponseReturnValue:
    """Report on one source's recommendations: its report card."""
    source = get_session().scalars(select(Source).where(Source.slug == slug)).first()
    if source is None:
        abort(404)
    return report(source)
