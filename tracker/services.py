"""Use cases of tracking: recording status updates and reading where things stand.

Functions here add and flush; the caller commits once, so a request's writes land together.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, Subquery, case, func, select, tuple_
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

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
    recommendation_actor,
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
    now: dt.datetime | None = None,
) -> StatusUpdate:
    """Append a status update with its evidence to a recommendation's history.

    `now` is when it is logged: the present unless an import carries the original time.
    """
    now = now or utcnow()
    check_status_update(status=status, as_of=as_of, evidence=evidence, now=now)
    update = new_status_update(
        recommendation,
        author=author,
        status=status,
        as_of=as_of,
        assessment=assessment,
        confidence=confidence,
        evidence=evidence,
        now=now,
    )
    session.add(update)
    session.flush()
    refresh_current_updates(session, [recommendation.id])
    audit_status_update(session, update, recommendation, author, evidence)
    return update


def check_status_update(
    *, status: Status, as_of: dt.date, evidence: Sequence[EvidenceInput], now: dt.datetime
) -> None:
    """Refuse an update that must not be recorded, saying why (raises TrackingError)."""
    check_judgement(status=status, as_of=as_of, now=now)
    if not evidence:
        raise TrackingError("An update needs at least one item of evidence.")
    for item in evidence:
        if not item.url.lower().startswith(("http://", "https://")):
            raise TrackingError(f"Evidence links must be http or https: {item.url!r}.")


def check_judgement(*, status: Status, as_of: dt.date, now: dt.datetime) -> None:
    """Refuse a status that must not be recorded: unassessed, or as of a later day."""
    if status is Status.NOT_ASSESSED:
        raise TrackingError("An update must record an assessed status.")
    if as_of > now.date():
        raise TrackingError("The as-of date cannot be in the future.")


def new_status_update(
    recommendation: Recommendation,
    *,
    author: User,
    status: Status,
    as_of: dt.date,
    assessment: str,
    confidence: Confidence,
    evidence: Sequence[EvidenceInput],
    now: dt.datetime,
) -> StatusUpdate:
    """Build a checked update with its first revision and its evidence, for the caller to add."""
    values, revision, items = status_update_rows(
        recommendation.id,
        author_id=author.id,
        status=status,
        as_of=as_of,
        assessment=assessment,
        confidence=confidence,
        evidence=evidence,
        now=now,
    )
    return StatusUpdate(
        **values,
        revisions=[StatusRevision(**revision)],
        evidence=[Evidence(**item) for item in items],
    )


def status_update_rows(
    recommendation_id: int,
    *,
    author_id: int,
    status: Status,
    as_of: dt.date,
    assessment: str,
    confidence: Confidence,
    evidence: Sequence[EvidenceInput],
    now: dt.datetime,
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Give the column values of a checked update, of its first revision and of its evidence.

    Ids that link them are left to the caller: the ORM fills them in, a bulk insert sets them.
    """
    judgement = {
        "status": status,
        "as_of": as_of,
        "assessment": assessment,
        "confidence": confidence,
    }
    update = {
        "recommendation_id": recommendation_id,
        **judgement,
        "author_id": author_id,
        "created_at": now,
    }
    revision = {
        "number": 1,
        "kind": RevisionKind.ORIGINAL,
        **judgement,
        "author_id": author_id,
        "created_at": now,
    }
    items = [
        {
            "position": position,
            "url": item.url,
            "title": item.title,
            "publisher": item.publisher,
            "published_on": item.published_on,
            "excerpt": item.excerpt,
            "stance": item.stance,
            "reliability": item.reliability,
            "credibility": item.credibility,
        }
        for position, item in enumerate(evidence, start=1)
    ]
    return update, revision, items


def audit_status_update(
    session: Session,
    update: StatusUpdate,
    recommendation: Recommendation,
    author: User,
    evidence: Sequence[EvidenceInput],
) -> None:
    """Record the creation of a flushed update in the audit trail."""
    after = created_update_audit(
        recommendation.slug,
        update.status,
        update.as_of,
        update.confidence,
        update.assessment,
        evidence,
    )
    audit.record(session, "status_update.create", user=author, target=update, after=after)


def created_update_audit(
    recommendation_slug: str,
    status: Status,
    as_of: dt.date,
    confidence: Confidence,
    assessment: str,
    evidence: Sequence[EvidenceInput],
) -> dict[str, Any]:
    """Describe a new update for the audit trail."""
    return {
        "recommendation": recommendation_slug,
        "status": status.value,
        "as_of": as_of.isoformat(),
        "confidence": confidence.value,
        "assessment": assessment,
        "evidence": [item.url for item in evidence],
    }


@dataclass(frozen=True)
class CorrectedEvidence:
    """An item of evidence as a correction leaves it: `id` names the stored item it keeps or
    replaces, None an item the correction adds."""

    id: int | None
    item: EvidenceInput


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
    evidence: Sequence[CorrectedEvidence] | None = None,
    now: dt.datetime | None = None,
) -> StatusRevision:
    """Revise an update's judgement and, when given, its evidence; earlier revisions stay.

    `evidence` is the whole list the update cites after the correction: an item whose
    values differ from the stored one replaces it, an item without an id is added, and a
    stored item left out is withdrawn. None keeps the evidence as it is. Needs
    `update.evidence` loaded when `evidence` is given.
    """
    now = now or utcnow()
    if update.retracted:
        raise TrackingError("A retracted update cannot be corrected.")
    if not (editor.id == update.author_id or editor.can(Role.EDITOR)):
        raise PermissionError("Only the author or an editor can correct an update.")
    values = {"status": status, "as_of": as_of, "assessment": assessment, "confidence": confidence}
    before = {key: getattr(update, key) for key in values}
    cited: dict[int, Evidence] = {}
    kept: set[int] = set()
    if evidence is None:
        check_judgement(status=status, as_of=as_of, now=now)
    else:
        check_status_update(
            status=status, as_of=as_of, evidence=[e.item for e in evidence], now=now
        )
        cited = {item.id: item for item in update.evidence}
        named = [e.id for e in evidence if e.id is not None]
        if len(set(named)) < len(named) or not set(named) <= set(cited):
            raise TrackingError("The evidence to correct is not this update's.")
        kept = {e.id for e in evidence if e.id and evidence_input(cited[e.id]) == e.item}
    # Changed unless every stored item is kept as it was and nothing is added.
    evidence_changes = evidence is not None and not (
        kept == set(cited) and len(evidence) == len(cited)
    )
    if before == values and not evidence_changes:
        raise TrackingError("The correction changes nothing.")
    revision = add_revision(session, update, RevisionKind.CORRECTION, editor, reason, now, **values)
    if evidence_changes:
        before_evidence = [evidence_audit(item) for item in cited.values()]
        revise_evidence(session, update, cited, kept, evidence or [], revision.number)
    update.corrected_at = revision.created_at
    for key, value in values.items():
        setattr(update, key, value)
    session.flush()
    session.expire(update, ["evidence", "all_evidence"])
    refresh_current_updates(session, [update.recommendation_id])
    audit_before = audit.printable(before) | {"revision": revision.number - 1}
    audit_after = audit.printable(values) | {"revision": revision.number, "reason": reason}
    if evidence_changes:
        audit_before["evidence"] = before_evidence
        audit_after["evidence"] = [evidence_audit(e.item) for e in evidence or []]
    audit.record(
        session, "status_update.correct", user=editor, target=update,
        before=audit_before, after=audit_after,
    )  # fmt: skip
    return revision


def revise_evidence(
    session: Session,
    update: StatusUpdate,
    cited: dict[int, Evidence],
    kept: set[int],
    evidence: Sequence[CorrectedEvidence],
    revision: int,
) -> None:
    """Withdraw the items a correction replaces or leaves out; add the new and the corrected.

    A corrected item keeps its place in the list; an added one goes to the end.
    """
    last = max((item.position for item in cited.values()), default=0)
    for item_id, item in cited.items():
        if item_id not in kept:
            item.withdrawn_in = revision
    for corrected in evidence:
        if corrected.id in kept:
            continue
        if corrected.id is None:
            last += 1
            position = last
        else:
            position = cited[corrected.id].position
        session.add(
            Evidence(
                update_id=update.id,
                position=position,
                added_in=revision,
                **evidence_values(corrected.item),
            )
        )


def evidence_values(item: EvidenceInput) -> dict[str, Any]:
    return {
        "url": item.url,
        "title": item.title,
        "publisher": item.publisher,
        "published_on": item.published_on,
        "excerpt": item.excerpt,
        "stance": item.stance,
        "reliability": item.reliability,
        "credibility": item.credibility,
    }


def evidence_input(item: Evidence) -> EvidenceInput:
    """What a stored item says, as a form or a file would give it."""
    return EvidenceInput(
        url=item.url,
        title=item.title,
        publisher=item.publisher,
        published_on=item.published_on,
        excerpt=item.excerpt,
        stance=item.stance,
        reliability=item.reliability,
        credibility=item.credibility,
    )


def evidence_audit(item: Evidence | EvidenceInput) -> dict[str, Any]:
    return {"url": item.url, "grade": f"{item.reliability.value}{item.credibility.value}"}


def retract_status_update(
    session: Session,
    update: StatusUpdate,
    *,
    editor: User,
    reason: str,
    now: dt.datetime | None = None,
) -> StatusRevision:
    """Withdraw an update from the current status; it stays in the timeline, struck through."""
    if not editor.can(Role.EDITOR):
        raise PermissionError("Only an editor can retract an update.")
    if update.retracted:
        raise TrackingError("This update is already retracted.")
    if not reason.strip():
        raise TrackingError("Give the reason for the retraction.")
    revision = add_revision(
        session, update, RevisionKind.RETRACTION, editor, reason, now or utcnow(),
        status=update.status, as_of=update.as_of, assessment=update.assessment,
        confidence=update.confidence,
    )  # fmt: skip
    update.retracted_at = revision.created_at
    update.retraction_reason = reason
    session.flush()
    refresh_current_updates(session, [update.recommendation_id])
    audit.record(
        session, "status_update.retract", user=editor, target=update,
        before={"retracted": False}, after={"retracted": True, "reason": reason},
    )  # fmt: skip
    return revision


def refresh_current_updates(session: Session, recommendation_ids: Iterable[int] | None) -> None:
    """Point recommendations (all of them for None) at the update in force now.

    Now, as-of dates cannot be in the future, so the rule needs no date: the update not
    retracted with the latest as-of date, ties going to the one logged last.
    """
    latest = (
        select(StatusUpdate.id)
        .where(
            StatusUpdate.recommendation_id == Recommendation.id,
            StatusUpdate.retracted_at.is_(None),
        )
        .order_by(StatusUpdate.as_of.desc(), StatusUpdate.created_at.desc(), StatusUpdate.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # On the table, not the mapped class: moving the pointer is not an editor's edit, so
    # it must not bump the version that guards editors' saves.
    table = Recommendation.__table__
    statement = table.update().values(current_update_id=latest, updated_at=table.c.updated_at)
    if recommendation_ids is not None:
        statement = statement.where(table.c.id.in_(list(recommendation_ids)))
    session.execute(statement)


def add_revision(
    session: Session,
    update: StatusUpdate,
    kind: RevisionKind,
    author: User,
    reason: str,
    now: dt.datetime,
    **values: object,
) -> StatusRevision:
    revision = StatusRevision(
        update_id=update.id,
        number=update.revision + 1,
        kind=kind,
        reason=reason,
        author_id=author.id,
        created_at=now,
        **values,
    )
    session.add(revision)
    update.revision = revision.number
    session.flush()
    return revision


@dataclass(frozen=True)
class Moment:
    """The point in time a page shows.

    Where things stood on `as_of`, judged by everything known now, or, with `known_on`, by
    only what had been logged, corrected or retracted by the end of that day: what Tracker
    itself showed then.
    """

    as_of: dt.date
    known_on: dt.date | None = None

    @property
    def known_before(self) -> dt.datetime | None:
        """The first instant after `known_on` (UTC), or None for "known now"."""
        if self.known_on is None:
            return None
        return dt.datetime.combine(self.known_on + dt.timedelta(days=1), dt.time(), dt.UTC)

    @property
    def is_now(self) -> bool:
        return self.known_on is None and self.as_of >= dt.date.today()


@dataclass(frozen=True)
class Judgement:
    """What an update said at a moment: its revision in force then."""

    update_id: int
    status: Status
    as_of: dt.date
    logged_at: dt.datetime


def revision_at(update: StatusUpdate, moment: Moment) -> StatusRevision | None:
    """Return the revision of `update` shown at `moment`, or None if it was not yet logged.

    Needs `update.revisions` loaded.
    """
    if moment.known_before is None:
        return update.revisions[-1] if update.revisions else None
    shown = [r for r in update.revisions if r.created_at < moment.known_before]
    return shown[-1] if shown else None


def judgements_at(moment: Moment) -> Subquery:
    """Select every update's judgement as shown at `moment`, retracted ones left out.

    Columns: recommendation_id, update_id, status, as_of, logged_at. Known now, the updates'
    own columns hold their latest revision; known on a past day, each update's revision of
    that day is found first. The as-of date is not limited here.
    """
    if moment.known_before is None:
        rows = select(
            StatusUpdate.recommendation_id,
            StatusUpdate.id.label("update_id"),
            StatusUpdate.status,
            StatusUpdate.as_of,
            StatusUpdate.created_at.label("logged_at"),
        ).where(StatusUpdate.retracted_at.is_(None))
    else:
        latest = (
            select(
                StatusRevision,
                func.row_number()
                .over(partition_by=StatusRevision.update_id, order_by=StatusRevision.number.desc())
                .label("rank"),
            )
            .where(StatusRevision.created_at < moment.known_before)
            .subquery()
        )
        rows = (
            select(
                StatusUpdate.recommendation_id,
                StatusUpdate.id.label("update_id"),
                latest.c.status,
                latest.c.as_of,
                StatusUpdate.created_at.label("logged_at"),
            )
            .join(latest, latest.c.update_id == StatusUpdate.id)
            .where(latest.c.rank == 1, latest.c.kind != RevisionKind.RETRACTION.value)
        )
    return rows.subquery("judgement")


def judgements_in_force(moment: Moment) -> Subquery:
    """Select, per recommendation, the judgement in force at `moment`, in SQL.

    The rule: among updates not retracted at that moment, the one with the latest as-of date
    on or before `moment.as_of`, ties going to the one logged last, in its revision of that
    moment. One query, for a page showing many recommendations.
    """
    if moment.is_now:
        return (
            select(
                StatusUpdate.recommendation_id,
                StatusUpdate.id.label("update_id"),
                StatusUpdate.status,
                StatusUpdate.as_of,
                StatusUpdate.created_at.label("logged_at"),
            )
            .join(Recommendation, Recommendation.current_update_id == StatusUpdate.id)
            .subquery("in_force")
        )
    rows = judgements_at(moment)
    ranked = (
        select(
            rows,
            func.row_number()
            .over(
                partition_by=rows.c.recommendation_id,
                order_by=(rows.c.as_of.desc(), rows.c.logged_at.desc(), rows.c.update_id.desc()),
            )
            .label("rank"),
        )
        .where(rows.c.as_of <= moment.as_of)
        .subquery()
    )
    return (
        select(
            ranked.c.recommendation_id,
            ranked.c.update_id,
            ranked.c.status,
            ranked.c.as_of,
            ranked.c.logged_at,
        )
        .where(ranked.c.rank == 1)
        .subquery("in_force")
    )


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
    judgement: Judgement | None
    last_logged_at: dt.datetime | None
    stale: bool

    @property
    def status(self) -> Status:
        return self.judgement.status if self.judgement else Status.NOT_ASSESSED


@dataclass
class Dashboard:
    moment: Moment
    rows: list[DashboardRow]
    counts: Counter[Status]
    stale_count: int
    by_theme: dict[str, Counter[Status]] = field(default_factory=dict)
    by_actor: dict[str, Counter[Status]] = field(default_factory=dict)
    page: int = 1
    per_page: int | None = None
    # Recommendations that pass the filters but were not yet made at the moment: their
    # source was published later. They are left out of the rows and the counts.
    not_yet_made: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max(1, -(-self.total // self.per_page))


def dashboard(
    session: Session,
    filters: DashboardFilters,
    moment: Moment,
    *,
    stale_after_days: int,
    page: int = 1,
    per_page: int | None = None,
) -> Dashboard:
    """Load the recommendations that pass the filters with their status at `moment`.

    Counts, staleness and the breakdowns by theme and actor cover every recommendation that
    passes; the rows are one page of them when `per_page` is given. Each is one query whose
    cost follows the recommendations, not the length of their histories.
    """
    in_force = judgements_in_force(moment)
    stale_before = moment.as_of - dt.timedelta(days=stale_after_days)

    def passing(query: Select, *, made: bool = True) -> Select:
        query = (
            query.join(Source, Source.id == Recommendation.source_id)
            .join(Theme, Theme.id == Recommendation.theme_id)
            .outerjoin(in_force, in_force.c.recommendation_id == Recommendation.id)
        )
        # A recommendation exists from its source's publication on.
        if made:
            query = query.where(Source.published_on <= moment.as_of)
        else:
            query = query.where(Source.published_on > moment.as_of)
        if filters.source:
            query = query.where(Source.slug == filters.source)
        if filters.theme:
            query = query.where(Theme.slug == filters.theme)
        if filters.actor:
            query = query.where(Recommendation.actors.any(Actor.slug == filters.actor))
        if filters.status is Status.NOT_ASSESSED:
            query = query.where(in_force.c.update_id.is_(None))
        elif filters.status is not None:
            query = query.where(in_force.c.status == filters.status.value)
        return query

    def status_of(value: str | None) -> Status:
        return Status(value) if value else Status.NOT_ASSESSED

    counts: Counter[Status] = Counter()
    stale = 0
    summary = select(
        in_force.c.status,
        func.count(),
        func.coalesce(func.sum(case((in_force.c.as_of < stale_before, 1), else_=0)), 0),
    ).select_from(Recommendation)
    for status, count, stale_here in session.execute(passing(summary).group_by(in_force.c.status)):
        counts[status_of(status)] += count
        stale += stale_here

    not_yet_made = 0
    if not moment.is_now:
        later = select(func.count()).select_from(Recommendation)
        not_yet_made = session.execute(passing(later, made=False)).scalar_one()

    by_theme: dict[str, Counter[Status]] = {}
    by_actor: dict[str, Counter[Status]] = {}
    if per_page:  # a paged list shows the breakdowns of all that passes
        themes = select(Theme.name, in_force.c.status, func.count()).select_from(Recommendation)
        for name, status, count in session.execute(
            passing(themes).group_by(Theme.name, in_force.c.status)
        ):
            by_theme.setdefault(name, Counter())[status_of(status)] += count
        actors = (
            select(Actor.name, in_force.c.status, func.count())
            .select_from(Recommendation)
            .join(
                recommendation_actor, recommendation_actor.c.recommendation_id == Recommendation.id
            )
            .join(Actor, Actor.id == recommendation_actor.c.actor_id)
        )
        for name, status, count in session.execute(
            passing(actors).group_by(Actor.name, in_force.c.status)
        ):
            by_actor.setdefault(name, Counter())[status_of(status)] += count

    logged = select(func.max(StatusUpdate.created_at)).where(
        StatusUpdate.recommendation_id == Recommendation.id
    )
    if moment.known_before is not None:
        logged = logged.where(StatusUpdate.created_at < moment.known_before)
    last_logged = logged.correlate(Recommendation).scalar_subquery().label("at")
    query = passing(
        select(Recommendation, in_force, last_logged).options(
            contains_eager(Recommendation.source),
            contains_eager(Recommendation.theme),
            selectinload(Recommendation.actors),
        )
    ).order_by(*dashboard_order(filters.sort, in_force, last_logged))
    if per_page:
        query = query.limit(per_page).offset((max(page, 1) - 1) * per_page)

    rows = []
    for row in session.execute(query):
        judgement = (
            Judgement(row.update_id, Status(row.status), row.as_of, row.logged_at)
            if row.update_id is not None
            else None
        )
        rows.append(
            DashboardRow(
                recommendation=row.Recommendation,
                judgement=judgement,
                last_logged_at=row.at,
                stale=judgement is not None and judgement.as_of < stale_before,
            )
        )
    return Dashboard(
        moment=moment,
        rows=rows,
        counts=counts,
        stale_count=stale,
        by_theme=by_theme,
        by_actor=by_actor,
        page=max(page, 1),
        per_page=per_page,
        not_yet_made=not_yet_made,
    )


def dashboard_order(sort: str, in_force: Subquery, last_logged: Any) -> tuple:
    by_position = (Source.published_on, Source.id, Recommendation.position)
    orders = {
        "position": by_position,
        "title": (Recommendation.title,),
        "theme": (Theme.name, *by_position),
        "status": (
            case(
                {status.value: rank for rank, status in enumerate(Status)},
                value=in_force.c.status,
                else_=0,
            ),
            *by_position,
        ),
        "as_of": (in_force.c.as_of.desc().nulls_last(), *by_position),
        "logged": (last_logged.desc().nulls_last(), *by_position),
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


# Where an update stands in a timeline: its as-of date, when it was logged, its id.
TimelinePosition = tuple[dt.date, dt.datetime, int]


def timeline(
    session: Session,
    recommendation: Recommendation,
    moment: Moment,
    *,
    limit: int | None = None,
    offset: int = 0,
    after: TimelinePosition | None = None,
) -> list[StatusUpdate]:
    """Load a page of a recommendation's updates logged by `moment`, newest as-of date first.

    With their evidence, revisions and authors. A page starts `offset` updates in, or just
    after the update at `after` in this order. Known on a past day, the revision to show
    may have another as-of date than the latest: `revision_at` picks it.
    """
    order = (StatusUpdate.as_of, StatusUpdate.created_at, StatusUpdate.id)
    query = (
        select(StatusUpdate)
        .where(StatusUpdate.recommendation_id == recommendation.id)
        .order_by(*(column.desc() for column in order))
        .options(
            joinedload(StatusUpdate.author),
            selectinload(StatusUpdate.evidence),
            selectinload(StatusUpdate.all_evidence),
            selectinload(StatusUpdate.revisions).joinedload(StatusRevision.author),
        )
        .limit(limit)
        .offset(offset)
    )
    if after is not None:
        query = query.where(tuple_(*order) < tuple_(*after))
    if moment.known_before is None:
        query = query.where(StatusUpdate.as_of <= moment.as_of)
    else:
        query = query.where(StatusUpdate.created_at < moment.known_before)
    return list(session.scalars(query))


def filter_choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """List what the dashboard can be filtered by, as (slug, name) pairs."""
    return {
        "source": session.execute(select(Source.slug, Source.title).order_by(Source.title)).all(),
        "theme": session.execute(select(Theme.slug, Theme.name).order_by(Theme.name)).all(),
        "actor": session.execute(select(Actor.slug, Actor.name).order_by(Actor.name)).all(),
    }


@dataclass(frozen=True)
class Change:
    recommendation: Recommendation
    before: Status
    after: Status


def changes_between(
    session: Session, filters: DashboardFilters, earlier: Moment, later: Moment
) -> list[Change]:
    """List the recommendations whose status differs between two moments."""
    before = {row.recommendation.id: row.status for row in dashboard(
        session, filters, earlier, stale_after_days=0).rows}  # fmt: skip
    return [
        Change(row.recommendation, before[row.recommendation.id], row.status)
        for row in dashboard(session, filters, later, stale_after_days=0).rows
        if before.get(row.recommendation.id, row.status) is not row.status
    ]


@dataclass(frozen=True)
class RecentJudgement:
    recommendation: Recommendation
    judgement: Judgement


def recent_judgements(
    session: Session, moment: Moment, *, days: int = 30, limit: int = 10
) -> list[RecentJudgement]:
    """List the latest judgements whose as-of date falls in the `days` before the moment."""
    rows = judgements_at(moment)
    query = (
        select(Recommendation, rows)
        .join(rows, rows.c.recommendation_id == Recommendation.id)
        .where(rows.c.as_of > moment.as_of - dt.timedelta(days=days), rows.c.as_of <= moment.as_of)
        .order_by(rows.c.as_of.desc(), rows.c.logged_at.desc())
        .limit(limit)
    )
    return [
        RecentJudgement(
            row.Recommendation,
            Judgement(row.update_id, Status(row.status), row.as_of, row.logged_at),
        )
        for row in session.execute(query)
    ]


@dataclass(frozen=True)
class Lane:
    recommendation: Recommendation
    judgements: list[tuple[dt.date, Status]]


def lanes(session: Session, filters: DashboardFilters, moment: Moment) -> list[Lane]:
    """Load each recommendation's judgements at `moment`, in the order the rule ranks them."""
    board = dashboard(session, filters, moment, stale_after_days=0)
    history = judgement_history(session, [row.recommendation.id for row in board.rows], moment)
    return [Lane(row.recommendation, history[row.recommendation.id]) for row in board.rows]


def judgement_history(
    session: Session, recommendation_ids: Sequence[int], moment: Moment
) -> dict[int, list[tuple[dt.date, Status]]]:
    """Load (as-of date, status) of every judgement shown at `moment`, per recommendation.

    In the order the rule ranks them: by as-of date, then by the time logged.
    """
    rows = judgements_at(moment)
    history: dict[int, list[tuple[dt.date, Status]]] = {id: [] for id in recommendation_ids}
    query = (
        select(rows.c.recommendation_id, rows.c.as_of, rows.c.status)
        .where(rows.c.recommendation_id.in_(recommendation_ids), rows.c.as_of <= moment.as_of)
        .order_by(rows.c.recommendation_id, rows.c.as_of, rows.c.logged_at, rows.c.update_id)
    )
    for recommendation_id, as_of, status in session.execute(query):
        history[recommendation_id].append((as_of, Status(status)))
    return history


def judgement_of(session: Session, recommendation_id: int, moment: Moment) -> Judgement | None:
    """Find one recommendation's judgement in force at `moment`."""
    in_force = judgements_in_force(moment)
    row = session.execute(
        select(in_force).where(in_force.c.recommendation_id == recommendation_id)
    ).first()
    if row is None:
        return None
    return Judgement(row.update_id, Status(row.status), row.as_of, row.logged_at)


def updates_with_evidence(session: Session, ids: Iterable[int]) -> dict[int, StatusUpdate]:
    """Load updates by id with their evidence and authors, in one round of queries."""
    wanted = list(ids)
    if not wanted:
        return {}
    query = (
        select(StatusUpdate)
        .where(StatusUpdate.id.in_(wanted))
        .options(joinedload(StatusUpdate.author), selectinload(StatusUpdate.evidence))
    )
    return {update.id: update for update in session.scalars(query)}
