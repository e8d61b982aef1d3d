"""The read API under /api/v1/, and the pages where users manage their API tokens."""

from __future__ import annotations

from flask import Flask

from . import errors, forecasts, token_views, views  # noqa: F401  (registers the routes)
from .blueprint import bp, tokens_bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(tokens_bp)
