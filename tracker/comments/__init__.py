"""Discussion: comments on a recommendation and on its status updates, with @mentions."""

from __future__ import annotations

from flask import Flask

from . import views  # noqa: F401  (registers the routes)
from .blueprint import bp
from .operations import render_comment


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.filters["comment"] = render_comment
