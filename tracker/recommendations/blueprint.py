"""The recommendations area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")
