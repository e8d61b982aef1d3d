"""The auth area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
