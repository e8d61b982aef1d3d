"""Logging in and out, one's own account, and handing over the first admin account."""

from __future__ import annotations

from flask import Flask

from . import (
    sessions,
    views,  # noqa: F401  (registers the routes)
)
from .blueprint import bp
from .commands import users


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    sessions.init_app(app)
    app.cli.add_command(users)
