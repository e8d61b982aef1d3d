from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from ..db import get_session
from ..models import AuditEvent, Recommendation, StatusRevision, StatusUpdate, User
from ..security import readable, requires
from ..views import MAX_ID
from ..vocabulary import RevisionKind, Role
from .blueprint import bp

PAGE_SIZE = 50


def page_before(query: Select, id_column) -> Select:  # type: ignore[no-untyped-def]
    """Page newest first by id, before `?before=`: stable while new rows arrive, one indexed
    read per page."""
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before <= MAX_ID:
        abort(400, description=f"“before” must be a whole number from 1 to {MAX_ID:,}.")
    if before:
        query = query.where(id_column < before)
    return query.order_by(id_column.desc()).limit(PAGE_SIZE + 1)


@bp.get("/corrections")
@readable
def corrections() -> ResponseReturnValue:
    """List every correction and retraction, newest first."""
    query = (
        select(StatusRevision)
        .where(StatusRevision.kind != RevisionKind.ORIGINAL)
        .options(
            joinedload(StatusRevision.author),
            joinedload(StatusRevision.update)
            .joinedload(StatusUpdate.recommendation)
            .joinedload(Recommendation.source),
        )
    )
    rows = list(get_session().scalars(page_before(query, StatusRevision.id)))
    return render_template(
        "logs/corrections.html", revisions=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE
    )


@bp.get("/audit")
@requires(Role.ADMIN)
def audit() -> ResponseReturnValue:
    """Browse the audit trail, filtered by action, user and dates."""
    db = get_session()
    args = request.args
    query = select(AuditEvent).options(joinedload(AuditEvent.user))
    if args.get("action"):
        query = query.where(AuditEvent.action.startswith(args["action"]))
    if args.get("user"):
        query = query.join(AuditEvent.user).where(User.email == args["user"].strip().lower())
    for name, compare in (("since", AuditEvent.at.__ge__), ("until", AuditEvent.at.__lt__)):
        day = parse_day(args.get(name))
        if day is not None:
            moment = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            query = query.where(compare(moment + dt.timedelta(days=1 if name == "until" else 0)))
    rows = list(db.scalars(page_before(query, AuditEvent.id)))
    actions = db.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return render_template(
        "logs/audit.html", events=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, actions=actions
    )


def parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
