"""The comments area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("comments", __name__, url_prefix="/recommendations")
