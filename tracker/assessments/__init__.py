"""Independent assessments: blind reviews, the spread of their judgements, and the consensus."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: the dashboard's read models use this package's reading module.
    from . import views  # noqa: F401  (registers the routes)
    from .blueprint import bp

    app.register_blueprint(bp)
