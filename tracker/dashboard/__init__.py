"""The status dashboard: where every recommendation stands."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from . import views  # noqa: E402,F401  (registers the routes)
