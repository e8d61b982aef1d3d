"""Use cases of tracking: recording status updates and reading where things stand.

Functions here add and flush; the caller commits once, so a request's writes land together.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from . import audit
from .models import (
    Actor,
    Evidence,
    Recommendation,
    Source,
    StatusRevision,
    StatusUpdate,
    Theme,
    User,
    utcnow,
)
from .vocabulary import Confidence, Credibility, Reliability, RevisionKind, Role, Stance, Status


class TrackingError(ValueError):
    """A write refused for a reason the user can fix."""


@dataclass(frozen=True)
class EvidenceInput:
    url: str
    title: str
    publisher: str
    excerpt: str
    stance: Stance
    reliability: Reliability
    credibility: Credibility
    published_on: dt.date | None = None


def record_status_update(
    session: Session,
    recommendation: Recommendation,
    *,
    author: User,
    status: Status,
    as_of: dt.date,
    assessment: str,
    confidence: Confidence,
    evidence: Sequence[EvidenceInput],
    today: dt.date | None = None,
) -> StatusUpdate:
    """Append a status update with its evidence to a recommendation's history."""
    if status is Status.NOT_ASSESSED:
        raise TrackingError("An update must record an assessed status.")
    if as_of > (today or dt.date.today()):
        raise TrackingError("The as-of date cannot be in the future.")
    if not evidence:
        raise TrackingError("An update needs at least one item of evidence.")
    for item in evidence:
        if not item.url.lower().startswith(("http://", "https://")):
            raise TrackingError(f"Evidence links must be http or https: {item.url!r}.")
    update = StatusUpdate(
        recommendation_id=recommendation.id,
        status=status,
        as_of=as_of,
        assessment=assessment,
        confidence=confidence,
        author_id=author.id,
        revisions=[
            StatusRevision(
                number=1,
                kind=RevisionKind.ORIGINAL,
                status=status,
                as_of=as_of,
                assessment=assessment,
                confidence=confidence,
                author_id=author.id,
            )
        ],
        evidence=[
            Evidence(
                position=position,
                url=item.url,
                title=item.title,
                publisher=item.publisher,
                published_on=item.published_on,
                excerpt=item.excerpt,
                stance=item.stance,
                reliability=item.reliability,
                credibility=item.credibility,
            )
            for position, item in enumerate(evidence, start=1)
        ],
    )
    session.add(update)
    session.flush()
    audit.record(
        session,
        "status_update.create",
        user=author,
        target=update,
        after={
            "recommendation": recommendation.slug,
            "status": status.value,
            "as_of": as_of.isoformat(),
            "confidence": confidence.value,
            "assessment": assessment,
            "evidence": [item.url for item in evidence],
        },
    )
    return update


def correct_status_update(
    session: Session,
    update: StatusUpdate,
    *,
    editor: User,
    status: Status,
    as_of: dt.date,
    assessment: str,
    confidence: Confidence,
    reason: str,
    today: dt.date | None = None,
) -> StatusRevision:
    """Revise an update's judgement; the earlier revisions stay as they were."""
    if update.retracted:
        raise TrackingError("A retracted update cannot be corrected.")
    if not (editor.id == update.author_id or editor.can(Role.EDITOR)):
        raise PermissionError("Only the author or an editor can correct an update.")
    if status is Status.NOT_ASSESSED:
        raise TrackingError("An update must record an assessed status.")
    if as_of > (today or dt.date.today()):
        raise TrackingError("The as-of date cannot be in the future.")
    values = {"status": status, "as_of": as_of, "assessment": assessment, "confidence": confidence}
    before = {key: getattr(update, key) for key in values}
    if before == values:
        raise TrackingError("The correction changes nothing.")
    revision = add_revision(session, update, RevisionKind.CORRECTION, editor, reason, **values)
    update.corrected_at = revision.created_at
    for key, value in values.items():
        setattr(update, key, value)
    audit.record(
        session, "status_update.correct", user=editor, target=update,
        before=audit.printable(before) | {"revision": revision.number - 1},
        after=audit.printable(values) | {"revision": revision.number, "reason": reason},
    )  # fmt: skip
    return revision


def retract_status_update(
    session: Session, update: StatusUpdate, *, editor: User, reason: str
) -> StatusRevision:
    """Withdraw an update from the current status; it stays in the timeline, struck through."""
    if not editor.can(Role.EDITOR):
        raise PermissionError("Only an editor can retract an update.")
    if update.retracted:
        raise TrackingError("This update is already retracted.")
    if not reason.strip():
        raise TrackingError("Give the reason for the retraction.")
    revision = add_revision(
        session, update, RevisionKind.RETRACTION, editor, reason,
        status=update.status, as_of=update.as_of, assessment=update.assessment,
        confidence=update.confidence,
    )  # fmt: skip
    update.retracted_at = revision.created_at
    update.retraction_reason = reason
    audit.record(
        session, "status_update.retract", user=editor, target=update,
        before={"retracted": False}, after={"retracted": True, "reason": reason},
    )  # fmt: skip
    return revision


def add_revision(
    session: Session,
    update: StatusUpdate,
    kind: RevisionKind,
    author: User,
    reason: str,
    **values: object,
) -> StatusRevision:
    revision = StatusRevision(
        update_id=update.id,
        number=update.revision + 1,
        kind=kind,
        reason=reason,
        author_id=author.id,
        created_at=utcnow(),
        **values,
    )
    session.add(revision)
    update.revision = revision.number
    session.flush()
    return revision


def current_update(updates: Iterable[StatusUpdate], as_of: dt.date) -> StatusUpdate | None:
    """Pick the update in force on `as_of`: the latest as-of date, ties to the last logged.

    Retracted updates no longer count.
    """
    in_force = [update for update in updates if update.as_of <= as_of and not update.retracted]
    return max(in_force, key=lambda u: (u.as_of, u.created_at, u.id), default=None)


def current_update_ids(as_of: dt.date) -> Select[tuple[int, int]]:
    """Select (recommendation id, update id) of the update in force on `as_of`, in SQL.

    The same rule as `current_update`, so that a page showing many recommendations
    costs one query, however long their histories.
    """
    ranked = (
        select(
            StatusUpdate.recommendation_id,
            StatusUpdate.id,
            func.row_number()
            .over(
                partition_by=StatusUpdate.recommendation_id,
                order_by=(
                    StatusUpdate.as_of.desc(),
                    StatusUpdate.created_at.desc(),
                    StatusUpdate.id.desc(),
                ),
            )
            .label("rank"),
        )
        .where(StatusUpdate.as_of <= as_of, StatusUpdate.retracted_at.is_(None))
        .subquery()
    )
    return select(ranked.c.recommendation_id, ranked.c.id).where(ranked.c.rank == 1)


@dataclass(frozen=True)
class DashboardFilters:
    source: str | None = None
    theme: str | None = None
    actor: str | None = None
    status: Status | None = None
    sort: str = "position"

    SORTS = ("position", "title", "status", "as_of", "logged", "theme")


@dataclass(frozen=True)
class DashboardRow:
    recommendation: Recommendation
    update: StatusUpdate | None
    last_logged_at: dt.datetime | None
    stale: bool

    @property
    def status(self) -> Status:
        return self.update.status if self.update else Status.NOT_ASSESSED


@dataclass
class Dashboard:
    rows: list[DashboardRow]
    counts: Counter[Status] = field(default_factory=Counter)

    @property
    def stale_count(self) -> int:
        return sum(row.stale for row in self.rows)


def dashboard(
    session: Session, filters: DashboardFilters, *, today: dt.date, stale_after_days: int
) -> Dashboard:
    """Load every recommendation that passes the filters with its current status."""
    current = current_update_ids(today).subquery()
    last_logged = (
        select(
            StatusUpdate.recommendation_id,
            func.max(StatusUpdate.created_at).label("at"),
        )
        .group_by(StatusUpdate.recommendation_id)
        .subquery()
    )
    query = (
        select(Recommendation, StatusUpdate, last_logged.c.at)
        .join(Recommendation.source)
        .join(Recommendation.theme)
        .outerjoin(current, current.c.recommendation_id == Recommendation.id)
        .outerjoin(StatusUpdate, StatusUpdate.id == current.c.id)
        .outerjoin(last_logged, last_logged.c.recommendation_id == Recommendation.id)
        .options(
            joinedload(Recommendation.source),
            joinedload(Recommendation.theme),
            selectinload(Recommendation.actors),
        )
    )
    if filters.source:
        query = query.where(Source.slug == filters.source)
    if filters.theme:
        query = query.where(Theme.slug == filters.theme)
    if filters.actor:
        query = query.where(Recommendation.actors.any(Actor.slug == filters.actor))
    if filters.status is Status.NOT_ASSESSED:
        query = query.where(StatusUpdate.id.is_(None))
    elif filters.status is not None:
        query = query.where(StatusUpdate.status == filters.status)
    query = query.order_by(*dashboard_order(filters.sort))

    stale_before = today - dt.timedelta(days=stale_after_days)
    rows = [
        DashboardRow(
            recommendation=recommendation,
            update=update,
            last_logged_at=logged_at,
            stale=update is not None and update.as_of < stale_before,
        )
        for recommendation, update, logged_at in session.execute(query)
    ]
    return Dashboard(rows=rows, counts=Counter(row.status for row in rows))


def dashboard_order(sort: str) -> tuple:
    by_position = (Source.published_on, Source.id, Recommendation.position)
    orders = {
        "position": by_position,
        "title": (Recommendation.title,),
        "theme": (Theme.name, *by_position),
        "status": (
            case(
                {status.value: rank for rank, status in enumerate(Status)},
                value=StatusUpdate.status,
                else_=0,
            ),
            *by_position,
        ),
        "as_of": (StatusUpdate.as_of.desc().nulls_last(), *by_position),
        "logged": (StatusUpdate.created_at.desc().nulls_last(), *by_position),
    }
    return orders.get(sort, by_position)


def load_recommendation(session: Session, slug: str) -> Recommendation | None:
    return session.scalars(
        select(Recommendation)
        .where(Recommendation.slug == slug)
        .options(
            joinedload(Recommendation.source),
            joinedload(Recommendation.theme),
            selectinload(Recommendation.actors),
        )
    ).first()


def timeline(session: Session, recommendation: Recommendation) -> list[StatusUpdate]:
    """Load a recommendation's updates, newest as-of date first, with evidence and authors."""
    return list(
        session.scalars(
            select(StatusUpdate)
            .where(StatusUpdate.recommendation_id == recommendation.id)
            .order_by(
                StatusUpdate.as_of.desc(), StatusUpdate.created_at.desc(), StatusUpdate.id.desc()
            )
            .options(
                joinedload(StatusUpdate.author),
                selectinload(StatusUpdate.evidence),
                selectinload(StatusUpdate.revisions).joinedload(StatusRevision.author),
            )
        )
    )


def filter_choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """List what the dashboard can be filtered by, as (slug, name) pairs."""
    return {
        "source": [(s.slug, s.title) for s in session.scalars(select(Source).order_by(Source.title))],
        "theme": [(t.slug, t.name) for t in session.scalars(select(Theme).order_by(Theme.name))],
        "actor": [(a.slug, a.name) for a in session.scalars(select(Actor).order_by(Actor.name))],
    }
