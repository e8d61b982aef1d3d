"""The sources area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("sources", __name__, url_prefix="/sources")
