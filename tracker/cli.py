"""The `tracker` command: Flask's commands plus those each part of Tracker registers.

`create_app` calls each part's `init_app`, which adds its commands (see tracker/commands.py);
this module only holds the group and what the commands share.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask.cli import FlaskGroup

from . import create_app
from .backup import Progress


@click.group(cls=FlaskGroup, create_app=create_app)
def cli() -> None:
    """Track policy recommendations and what happened to them."""


@contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    """Show a progress bar on standard error once the work knows how much there is."""
    bar: Any = None  # a click.progressbar, once the total is known

    def report(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
        bar.update(done - bar.pos)

    try:
        yield report
    finally:
        if bar is not None:
            bar.render_finish()


# Each noun a command counts, with its singular: "1 approval", "2 approvals".
NOUNS = {
    "actors": "actor",
    "themes": "theme",
    "sources": "source",
    "recommendations": "recommendation",
    "author accounts": "author account",
    "status updates": "status update",
    "approvals": "approval",
    "criteria versions": "criterion version",
    "signposts": "signpost",
    "signpost observations": "signpost observation",
    "target dates": "target date",
    "blind reviews": "blind review",
    "independent assessments": "independent assessment",
    "forecasts": "forecast",
    "comments": "comment",
    "errors": "error",
    "rows": "row",
    "entries": "entry",
    "files": "file",
}


def counted(n: int, label: str) -> str:
    """Write `n` with the `label` ("status updates corrected"), its noun singular for 1."""
    noun = next(noun for noun in NOUNS if f"{label} ".startswith(f"{noun} "))
    return f"{n:,} {NOUNS[noun] if n == 1 else noun}{label.removeprefix(noun)}"
