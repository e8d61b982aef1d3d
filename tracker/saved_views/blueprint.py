"""The saved views' blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("saved_views", __name__, url_prefix="/views")
