"""The audit trail: every write records who did what, when, before and after.

No Flask here (seeds and the importer write through it too): the request hook in
tracker/bookkeeping.py tells it the client's address while a request is served.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from typing import Any

from sqlalchemy.orm import Session

from .models import AuditEvent, Base, User


def record(
    session: Session,
    action: str,
    *,
    user: User | None,
    target: Base | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session's transaction: it lands with the write or not at all."""
    event = AuditEvent(
        action=action,
        user_id=user.id if user is not None else None,
        target_type=target.__tablename__ if target is not None else None,
        target_id=target.id if target is not None else None,
        before=before,
        after=after,
        remote_addr=remote_addr(),
    )
    session.add(event)
    return event


# The address of the client whose request is being served, if any.
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


def remote_addr() -> str | None:
    """The client's address, when a request is being served."""
    return client_address.get()


def printable(values: dict[str, Any]) -> dict[str, Any]:
    """Make values JSON-ready for the audit trail: dates as ISO text, rows as their slugs."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, list):
            return sorted(item.slug for item in value)
        return value

    return {key: plain(value) for key, value in values.items()}
