"""Logging in and out, one's own account, and handing over the first admin account."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import views  # noqa: E402,F401  (registers the routes)
