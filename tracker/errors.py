"""Error pages in the site's layout; never a traceback."""

from __future__ import annotations

import contextlib
import re
import secrets

from flask import Flask, current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError
from werkzeug.wrappers import Response

from .db import close_session
from .i18n import lazy_gettext as _l

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("Your account does not have the role needed for this page."),
    404: _l("There is nothing at this address."),
    405: _l("That method is not allowed here."),
    413: _l("That was more than this site reads in one request. Shorten the text and try again."),
    429: _l("Too many attempts. Wait a few minutes, then try again."),
    500: _l("Something went wrong on our side. It has been logged."),
    503: _l("The database is not answering. Try again in a minute."),
}

# What the DBAPI raises when the database is down, restarting or unreachable.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

# Paths whose callers read JSON, not pages.
JSON_PATHS = ("/api/", "/healthz")


def init_app(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.after_request(send_request_id)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(InternalServerError, internal_error)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, database_unavailable)
    app.register_error_handler(SecurityError, untrusted_host)


def request_id_for(given: str) -> str:
    """Name a request, taking a proxy's X-Request-ID when it is sane, for the logs."""
    return given if given and REQUEST_ID.fullmatch(given) else secrets.token_hex(16)


def assign_request_id() -> None:
    g.request_id = request_id_for(request.headers.get("X-Request-ID", ""))


def send_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
    return response


def internal_error(error: InternalServerError) -> ResponseReturnValue:
    """Log the failure with the request id; the page shows the id, never a traceback."""
    if isinstance(error.original_exception, DATABASE_UNAVAILABLE):
        # The database went away while another error page was being shown.
        return database_unavailable(error.original_exception)
    who_is_asking()
    request_id = g.get("request_id", "unknown")
    current_app.logger.error(
        "request %s failed: %s %s",
        request_id,
        request.method,
        request.path,
        exc_info=error.original_exception or error,
    )
    message = f"{MESSAGES[500]} Quote this reference if you report it: {request_id}."
    return render_template("error.html", code=500, title=_("Server error"), message=message), 500


def database_unavailable(error: OperationalError | InterfaceError) -> ResponseReturnValue:
    """Answer 503 while the database is away; the engine reconnects once it is back."""
    request_id = g.get("request_id", "unknown")
    current_app.logger.error(
        "request %s: the database is unavailable: %s %s",
        request_id,
        request.method,
        request.path,
        exc_info=error,
    )
    # The session's connection is broken: nothing else in this request may use it.
    close_session(error)
    headers = {"Retry-After": "30"}
    if request.path.startswith(JSON_PATHS):
        return {"error": MESSAGES[503]}, 503, headers
    # Who is logged in cannot be checked without the database: the layout shows a visitor's
    # header rather than trying again (Flask-Login keeps the request's user on g).
    g._login_user = current_app.login_manager.anonymous_user()
    page = render_template(
        "error.html", code=503, title=_("Service unavailable"), message=MESSAGES[503]
    )
    return page, 503, headers


def error_headers(error: HTTPException) -> list[tuple[str, str]]:
    """The headers an error carries, such as a 405's `Allow`, less its content type."""
    return [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]


def who_is_asking() -> None:
    """Load the request's user before an error page shows it, as a visitor if refused.

    A request can fail before its user is loaded (a NUL in the query, a body too large); the
    page's layout then loads it, and a bad API token must not fail the error page itself.
    """
    # A refused token raises; `api.tokens.refuse` has left a visitor in its place.
    with contextlib.suppress(HTTPException):
        current_user.is_authenticated  # noqa: B018


def http_error(error: HTTPException) -> ResponseReturnValue:
    who_is_asking()
    code = error.code or 500
    # A message written for the occasion says more than the generic one.
    default = type(error).description
    message = error.description if error.description != default else None
    page = render_template(
        "error.html",
        code=code,
        title=error.name,
        message=message or MESSAGES.get(code, error.description),
    )
    return page, code, error_headers(error)


def untrusted_host(error: SecurityError) -> ResponseReturnValue:
    """Answer a Host outside TRUSTED_HOSTS plainly: no link may be built for that host."""
    return Response("Bad request: this host is not served here.\n", 400, mimetype="text/plain")


def csrf_error(error: CSRFError) -> ResponseReturnValue:
    who_is_asking()
    message = _(
        "The form had expired or was not sent from this site. Go back, reload it and retry."
    )
    return render_template("error.html", code=400, title=_("Form expired"), message=message), 400
