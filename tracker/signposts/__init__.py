"""Signposts: observable events named in advance that point towards implementation or away.

Editors write them, with their diagnosticity (`tracker.vocabulary.Diagnosticity`); analysts
record when one is observed, with graded evidence; an editor retracts a wrong observation.
`sightings.py` reads them at a moment.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import views  # noqa: F401  (registers the routes)
    from .blueprint import bp

    app.register_blueprint(bp)
