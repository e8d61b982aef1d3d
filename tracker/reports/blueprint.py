"""The reports area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
