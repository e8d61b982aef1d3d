"""The dashboard area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
