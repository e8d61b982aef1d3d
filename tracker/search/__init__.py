"""Full-text search over recommendations, assessments and evidence."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from ..views import drop_empty_parameters  # noqa: E402
from . import index, views  # noqa: E402,F401  (registers the routes and the index's hook)

bp.before_request(drop_empty_parameters)
