from __future__ import annotations

import datetime as dt
import io

from flask import Response, current_app
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..db import get_session
from ..standings import dashboard
from ..views import filters_from_query, moment_from_query
from .blueprint import bp
from .exporting import dump_json, export_document, write_csv


@bp.get("/export/updates.csv")
def updates_csv() -> ResponseReturnValue:
    """Download the status updates of the recommendations the dashboard's filters show."""
    db = get_session()
    moment, _errors = moment_from_query()
    board = dashboard(
        db, filters_from_query(), moment, review_every_days=current_app.config["REVIEW_EVERY_DAYS"]
    )
    buffer = io.StringIO(newline="")
    write_csv(db, buffer, [row.recommendation.id for row in board.rows])
    return download(buffer.getvalue(), "text/csv", f"tracker-updates-{dt.date.today()}.csv")


@bp.get("/export/tracker.json")
def database_json() -> ResponseReturnValue:
    """Download the whole database's content as JSON; the assessments of a blind review the
    reader may not yet see are withheld."""
    text = dump_json(export_document(get_session(), current_user))
    return download(text, "application/json", f"tracker-{dt.date.today()}.json")


def download(text: str, mimetype: str, filename: str) -> Response:
    response = Response(text, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
