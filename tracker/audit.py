"""The audit trail: every write records who did what, when, before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import has_request_context, request
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


def remote_addr() -> str | None:
    """The client's address, when a request is being served."""
    return request.remote_addr if has_request_context() else None


def printable(values: dict[str, Any]) -> dict[str, Any]:
    """Make values JSON-ready for the audit trail: dates as ISO text, rows as their slugs."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, list):
            return sorted(item.slug for item in value)
        return value

    return {key: plain(value) for key, value in values.items()}
