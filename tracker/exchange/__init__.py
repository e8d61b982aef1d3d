"""Import and export: the whole database as JSON, status updates with evidence as CSV."""

from __future__ import annotations

from flask import Flask

from . import views  # noqa: F401  (registers the routes)
from .blueprint import bp
from .commands import export_command, import_command


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
