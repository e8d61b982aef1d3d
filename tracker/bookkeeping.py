"""The one request hook that writes what reading a page notes down.

Services and loaders never commit; views commit their own writes. A few reads still leave a
trace that must be written: a session's last-seen time, which keeps it from idling out
(auth/sessions.py), and an API token's last-used time (api/tokens.py). Loaders `note` the
statement; `write_notes`, run before every view, after the access checks that load the user,
ends the request's read, writes the notes and commits them, so the view starts afresh and a
read request's own session writes nothing. On SQLite a transaction that starts with its write
waits its turn, where a read that turns into a write would fail at once.

The hook also tells the audit trail the client's address for the length of the request.
"""

from __future__ import annotations

from flask import Flask, g, request
from sqlalchemy.sql import Executable

from . import audit
from .db import get_session

NOTES = "tracker_notes"


def note(statement: Executable) -> None:
    """Have the request hook write `statement` before the view runs."""
    g.setdefault(NOTES, []).append(statement)


def write_notes() -> None:
    g.audit_address = audit.client_address.set(request.remote_addr)
    notes = g.pop(NOTES, None)
    if not notes:
        return
    db = get_session()
    db.commit()  # end the read the access checks made
    for statement in notes:
        db.execute(statement)
    db.commit()


def forget_address(_exc: BaseException | None = None) -> None:
    token = g.pop("audit_address", None)
    if token is not None:
        audit.client_address.reset(token)


def init_app(app: Flask) -> None:
    app.before_request(write_notes)
    app.teardown_request(forget_address)
