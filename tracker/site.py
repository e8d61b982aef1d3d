"""What browsers ask of every site by themselves: the icon, at /favicon.ico."""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue

from .security import public

bp = Blueprint("site", __name__)

ICON = Path(__file__).resolve().parent / "static" / "favicon.ico"


@functools.cache
def icon() -> bytes:
    return ICON.read_bytes()


@bp.get("/favicon.ico")
@public
def favicon() -> ResponseReturnValue:
    """Tracker's icon, for browsers that ask for it before any page names it."""
    return Response(icon(), mimetype="image/vnd.microsoft.icon")
