"""The status dashboard: where every recommendation stands."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from ..views import drop_empty_parameters  # noqa: E402
from . import views  # noqa: E402,F401  (registers the routes)

bp.before_request(drop_empty_parameters)
