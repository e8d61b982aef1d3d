"""The notifications area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
