"""Actors and themes: the managed lists recommendations are addressed to and filed under."""

from flask import Blueprint

bp = Blueprint("lists", __name__)

from . import views  # noqa: E402,F401  (registers the routes)
