"""The search area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("search", __name__)
