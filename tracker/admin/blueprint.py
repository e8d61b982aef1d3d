"""The admin area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
