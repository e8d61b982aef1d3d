"""The health check load balancers and monitors ask: does the database answer?"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError

from .db import get_session
from .security import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """Answer 200 when the database runs `SELECT 1`, 503 when it does not answer."""
    try:
        get_session().execute(text("SELECT 1"))
    except (OperationalError, InterfaceError) as error:
        # Monitors ask every few seconds: one line each, not a traceback each.
        reason = " ".join(str(error.orig or error).split())
        current_app.logger.warning("health check: the database does not answer: %s", reason)
        return {"status": "unavailable"}, 503
    return {"status": "ok"}
