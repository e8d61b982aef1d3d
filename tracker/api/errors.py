"""Errors under /api/ are JSON with a message, never a page."""

from __future__ import annotations

from flask import current_app, g, make_response, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from ..errors import error_headers
from .blueprint import bp

MESSAGES = {
    400: "The request is not valid.",
    401: "Log in, or send a personal API token: “Authorization: Bearer <token>”.",
    403: "Your account does not have the role needed for this.",
    404: "There is nothing at this address.",
    405: "The API is read-only: use GET.",
    413: "The request is too large.",
    500: "Something went wrong on our side. It has been logged.",
}


def error_response(
    code: int, message: str, headers: list[tuple[str, str]] | None = None
) -> ResponseReturnValue:
    headers = list(headers or [])
    if code == 401:
        headers.append(("WWW-Authenticate", 'Bearer realm="tracker"'))
    return {"error": {"status": code, "message": message}}, code, headers


def http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    # Messages written for this API say more than the generic ones.
    default = type(error).description
    message = error.description if error.description != default else MESSAGES.get(code, default)
    return error_response(code, message or MESSAGES.get(code, "Error."), error_headers(error))


def internal_error(error: InternalServerError) -> ResponseReturnValue:
    request_id = g.get("request_id", "unknown")
    current_app.logger.error(
        "request %s failed: %s %s",
        request_id,
        request.method,
        request.path,
        exc_info=error.original_exception or error,
    )
    return error_response(
        500, f"{MESSAGES[500]} Quote this reference if you report it: {request_id}."
    )


for code in (400, 401, 403, 404, 405, 406, 413):
    bp.register_error_handler(code, http_error)
bp.register_error_handler(InternalServerError, internal_error)


@bp.before_app_request
def unrouted_api_request() -> ResponseReturnValue | None:
    """Answer an address under /api/ that matches no route in JSON, like the API's own errors."""
    error = request.routing_exception
    if isinstance(error, HTTPException) and request.path.startswith("/api/"):
        return http_error(error)
    return None


@bp.after_request
def login_page_as_401(response: Response) -> Response:
    """Answer a visitor with a JSON 401 where `enforce_access` would send a login page.

    A visitor with a browser session but no login lands here too: Flask-Login then skips
    the token loader, so a program should send its token without cookies.
    """
    login = url_for("auth.login")
    if response.status_code == 302 and (response.location or "").startswith(login):
        return make_response(error_response(401, MESSAGES[401]))
    return response
