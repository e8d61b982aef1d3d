"""The lists area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("lists", __name__)
