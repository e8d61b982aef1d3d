"""Import and export: the whole database as JSON, status updates with evidence as CSV."""

from flask import Blueprint

bp = Blueprint("exchange", __name__)

from . import views  # noqa: E402,F401  (registers the routes)
