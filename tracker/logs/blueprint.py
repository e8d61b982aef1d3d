"""The logs area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("logs", __name__)
