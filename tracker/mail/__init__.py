"""Notifications by e-mail: each user's preference, the outbox, and the worker that sends it."""

from __future__ import annotations

from flask import Flask

from . import views  # noqa: F401  (registers the routes)
from .blueprint import bp
from .commands import queue, worker_command
from .queue import install_wake_up


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(worker_command)
    install_wake_up(app, lambda: queue(app).wake())
