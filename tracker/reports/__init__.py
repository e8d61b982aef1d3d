"""Printable report cards, for one source or the whole tracker, as HTML and PDF."""

from __future__ import annotations

from flask import Flask

from . import views  # noqa: F401  (registers the routes)
from .blueprint import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
