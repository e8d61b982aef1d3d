"""The public corrections log and the admins' audit log."""

from flask import Blueprint

bp = Blueprint("logs", __name__)

from . import views  # noqa: E402,F401  (registers the routes)
