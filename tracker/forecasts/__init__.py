"""Forecasts: "by this date, this status or better", with a probability, resolved and scored."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import views  # noqa: F401  (registers the routes)
    from .blueprint import bp

    app.register_blueprint(bp)
