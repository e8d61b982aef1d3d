"""Error pages in the site's layout; never a traceback."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "The request could not be understood.",
    403: "Your account does not have the role needed for this page.",
    404: "There is nothing at this address.",
    405: "That method is not allowed here.",
    500: "Something went wrong on our side. It has been logged.",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)


def http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    message = MESSAGES.get(code, error.description)
    return render_template("error.html", code=code, title=error.name, message=message), code


def csrf_error(error: CSRFError) -> ResponseReturnValue:
    message = "The form had expired or was not sent from this site. Go back, reload it and retry."
    return render_template("error.html", code=400, title="Form expired", message=message), 400
