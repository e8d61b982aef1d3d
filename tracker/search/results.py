"""Search results as pages and the API show them: what matched, where, and a snippet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..i18n import lazy_gettext as _l
from ..models import Evidence, Recommendation
from ..moments import Moment, judgements_in_force
from ..standings import DashboardFilters, dashboard
from ..vocabulary import Status
from .engines import engine_for, highlight

LABELS = {
    "recommendation": _l("Recommendation"),
    "assessment": _l("Assessment"),
    "evidence": _l("Evidence"),
}


@dataclass(frozen=True)
class Hit:
    kind: str
    recommendation: Recommendation
    update_id: int | None  # the update an assessment or an item of evidence belongs to
    snippet: Markup
    status: Status  # the recommendation's current status

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def filtered_ids(
    session: Session, filters: DashboardFilters, review_every_days: int
) -> list[int] | None:
    """The recommendations the dashboard's filters show, or None for all of them."""
    if not (
        filters.source or filters.theme or filters.actor or filters.status
        or filters.review or filters.owner_id
    ):  # fmt: skip
        return None
    board = dashboard(
        session, filters, Moment(dt.date.today()), review_every_days=review_every_days
    )
    return [row.recommendation.id for row in board.rows]


def search(
    session: Session,
    query: str,
    filters: DashboardFilters,
    *,
    review_every_days: int,
    limit: int,
    offset: int = 0,
) -> tuple[list[Hit], int]:
    """Find what matches `query` among the recommendations the dashboard's filters show: a
    page of hits, and how many match in all, up to RANKED + 1 (see `Found`)."""
    ids = filtered_ids(session, filters, review_every_days)
    found = engine_for(session).matches(session, query, ids, limit, offset)
    matches = found.matches
    recommendations = {}
    statuses = {}
    in_force = judgements_in_force(Moment(dt.date.today()))
    for rec, status in session.execute(
        select(Recommendation, in_force.c.status)
        .outerjoin(in_force, in_force.c.recommendation_id == Recommendation.id)
        .where(Recommendation.id.in_({m.recommendation_id for m in matches}))
        .options(joinedload(Recommendation.source))
    ):
        recommendations[rec.id] = rec
        statuses[rec.id] = status or Status.NOT_ASSESSED
    evidence_ids = [m.target_id for m in matches if m.kind == "evidence"]
    updates_of_evidence = (
        dict(
            session.execute(
                select(Evidence.id, Evidence.update_id).where(Evidence.id.in_(evidence_ids))
            ).all()
        )
        if evidence_ids
        else {}
    )
    hits = []
    for match in matches:
        update_id = {
            "recommendation": None,
            "assessment": match.target_id,
            "evidence": updates_of_evidence.get(match.target_id),
        }[match.kind]
        hits.append(
            Hit(
                match.kind,
                recommendations[match.recommendation_id],
                update_id,
                highlight(match.snippet),
                statuses[match.recommendation_id],
            )
        )
    return hits, found.total
