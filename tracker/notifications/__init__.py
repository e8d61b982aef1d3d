"""Watching what one follows, and the notifications its changes bring."""

from __future__ import annotations

from flask import Flask

from . import views  # noqa: F401  (registers the routes)
from .blueprint import bp
from .operations import unread_count


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["unread_notifications"] = unread_count
