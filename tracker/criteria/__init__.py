"""Criteria: what a recommendation must do, achieve or avoid, written before the evidence.

Editors write them (each edit a new version); status updates mark them met, not met or
unclear (tracker/status_updates.py writes the marks); the recommendation page shows the
checklist at any moment (`checklist.py`).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import views  # noqa: F401  (registers the routes)
    from .blueprint import bp

    app.register_blueprint(bp)
