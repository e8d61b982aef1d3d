"""The api area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
tokens_bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")
