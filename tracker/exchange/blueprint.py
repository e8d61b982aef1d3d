"""The exchange area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("exchange", __name__)
