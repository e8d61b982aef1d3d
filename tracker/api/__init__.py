"""The read API under /api/v1/, and the pages where users manage their API tokens."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
tokens_bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")

from . import errors, token_views, views  # noqa: E402,F401  (registers the routes)
