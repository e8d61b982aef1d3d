"""Full-text search over recommendations, assessments and evidence."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from ..db import sessions
from . import index, views  # noqa: F401  (registers the routes)
from .blueprint import bp
from .commands import reindex_command


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(reindex_command)
    event.listen(sessions(app), "after_flush", index.follow_flush)
