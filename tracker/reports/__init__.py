"""Printable report cards, for one source or the whole tracker, as HTML and PDF."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import views  # noqa: E402,F401  (registers the routes)
