"""A recommendation's page, its timeline, and logging status updates against it."""

from flask import Blueprint

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")

from . import views  # noqa: E402,F401  (registers the routes)
