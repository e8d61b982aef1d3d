"""The My work area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("work", __name__)
