"""View helpers that several areas share."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from .db import get_session
from .versions import Versioned, diff, list_versions


def render_history(entity: Versioned, title: str, back: str) -> ResponseReturnValue:
    """Show every version of `entity` and what changed between two of them (?from=&to=)."""
    versions = list_versions(get_session(), entity)
    by_number = {version.number: version for version in versions}
    to = request.args.get("to", versions[0].number if versions else 0, type=int)
    since = request.args.get("from", to - 1, type=int)
    changes = None
    if to in by_number and since in by_number:
        changes = diff(by_number[since].data, by_number[to].data)
    return render_template(
        "history.html",
        title=title,
        back=back,
        versions=versions,
        since=since,
        to=to,
        changes=changes,
    )
