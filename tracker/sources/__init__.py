"""Sources: the documents that make recommendations, and their report cards."""

from flask import Blueprint

bp = Blueprint("sources", __name__, url_prefix="/sources")

from . import views  # noqa: E402,F401  (registers the routes)
