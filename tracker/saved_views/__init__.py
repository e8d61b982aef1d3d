"""Saved views: named dashboard filters a user keeps, shares by link and can watch."""

from __future__ import annotations

from flask import Flask

from . import views  # noqa: F401  (registers the routes)
from .blueprint import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
