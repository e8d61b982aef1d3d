"""Writing status updates: the one place an update, its revisions and its consequences are made.

Every update is recorded by `record_status_updates`, whether one comes from the form
(`record_status_update`) or thousands from `tracker import`: its first revision, its evidence,
its audit event, its search entries and the recommendation's current update are written here
and nowhere else, in bulk, with the approval for the public an imported update carries
(`Approval`). Corrections and retractions go through `correct_status_update` and
`retract_status_update`, which end in the same `after_writing`. Whatever else must follow a new
judgement (notifications, criteria, forecasts) belongs in `after_writing` too. What an update
says of its recommendation's criteria (`MarkInput`) is written with it, here.

Functions here add and flush; the caller commits once, so a request's writes land together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from sqlalchemy import (
    Connection,
    Insert,
    Integer,
    Table,
    Update,
    bindparam,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session, make_transient_to_detached

from . import audit
from .bulk import insert_rows, loading, rows_of
from .criteria.checklist import criteria_in_force, load_criteria, marks_in_force, unmet_completion
from .models import (
    AuditEvent,
    CriterionMark,
    Evidence,
    Recommendation,
    StatusRevision,
    StatusUpdate,
    User,
    utcnow,
)
from .moments import Moment, judgement_of
from .notifications.operations import notifying_updates
from .regressions import highest_step_held
from .search.index import index_updates
from .vocabulary import (
    Confidence,
    Credibility,
    Reliability,
    RevisionKind,
    Role,
    Stance,
    Status,
    Verdict,
)

# Updates are inserted this many at a time: few round trips, bounded memory.
CHUNK = 1_000
# Up to this many updates are inserted with RETURNING, which gives their ids; more go in
# by the database's fastest bulk load, with ids taken for them first (`reserve_ids`).
FEW = 20


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


@dataclass(frozen=True)
class MarkInput:
    """What an update says of one of its recommendation's criteria, and what shows it."""

    criterion_id: int
    verdict: Verdict
    note: str = ""


@dataclass(frozen=True)
class Retraction:
    """A retraction made when the update was recorded elsewhere, carried over as it was."""

    at: dt.datetime
    by: User
    reason: str


@dataclass(frozen=True)
class Approval:
    """An approval for the public given when the update was recorded elsewhere, carried over."""

    at: dt.datetime
    by: User


@dataclass(frozen=True)
class NewStatusUpdate:
    """A checked update, ready to be recorded."""

    recommendation: Recommendation
    author: User
    status: Status
    as_of: dt.date
    assessment: str
    confidence: Confidence
    evidence: Sequence[EvidenceInput]
    logged_at: dt.datetime
    import_key: str | None = None
    retraction: Retraction | None = None
    approval: Approval | None = None
    change_reason: str | None = None
    marks: Sequence[MarkInput] = ()
    criteria_reason: str | None = None


class ReasonNeeded(TrackingError):
    """An update that moves the status backwards or jumps, without saying why."""


class CriteriaReasonNeeded(TrackingError):
    """An "Implemented" that its completion criteria contradict, without saying why."""


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
    change_reason: str | None = None,
    marks: Sequence[MarkInput] = (),
    criteria_reason: str | None = None,
    now: dt.datetime | None = None,
) -> StatusUpdate:
    """Append a status update with its evidence to a recommendation's history.

    An update that moves the status in force on its as-of date backwards, or forwards by more
    than two steps, needs `change_reason` (raises ReasonNeeded). `marks` say what it finds of
    the recommendation's criteria in force; an "Implemented" needs `criteria_reason` unless
    every completion criterion is met, by its marks or, for those it leaves unmarked, by the
    verdicts in force on its as-of date (raises CriteriaReasonNeeded). `now` is when it is
    logged: the present unless the caller carries an original time.
    """
    now = now or utcnow()
    check_status_update(status=status, as_of=as_of, evidence=evidence, now=now)
    change_reason = (change_reason or "").strip() or None
    before = status_before(session, recommendation, as_of)
    if change_reason is None and before.change_needs_reason(status):
        move = "backwards" if (status.step or 0) < (before.step or 0) else "by more than two steps"
        raise ReasonNeeded(
            f"Say why the status changed: {before.label} to {status.label} moves {move}."
        )
    criteria_reason = (criteria_reason or "").strip() or None
    check_criteria(session, recommendation, status, as_of, marks, criteria_reason)
    new = NewStatusUpdate(
        recommendation=recommendation,
        author=author,
        status=status,
        as_of=as_of,
        assessment=assessment,
        confidence=confidence,
        evidence=evidence,
        logged_at=now,
        change_reason=change_reason,
        marks=marks,
        criteria_reason=criteria_reason,
    )
    [update_id] = record_status_updates(session, [new])
    # Not read back: a form's post never reads it, and a caller that does reads it then.
    update = StatusUpdate(id=update_id)
    make_transient_to_detached(update)
    session.add(update)
    return update


def check_criteria(
    session: Session,
    recommendation: Recommendation,
    status: Status,
    as_of: dt.date,
    marks: Sequence[MarkInput],
    criteria_reason: str | None,
) -> None:
    """Refuse marks of criteria that do not count, and an unexplained contradicted Implemented."""
    judged = status is Status.IMPLEMENTED and criteria_reason is None
    if not marks and not judged:
        return  # nothing here needs the criteria
    criteria = [
        c for c, _ in criteria_in_force(load_criteria(session, recommendation.id), Moment(as_of))
    ]
    counted = {criterion.id for criterion in criteria}
    marked = [mark.criterion_id for mark in marks]
    if len(set(marked)) < len(marked) or not set(marked) <= counted:
        raise TrackingError("The criteria marked are not this recommendation's criteria in force.")
    if not judged:
        return
    verdicts: dict[int, Verdict | None] = {
        id_: mark.verdict
        for id_, mark in marks_in_force(session, recommendation.id, Moment(as_of)).items()
    }
    verdicts |= {mark.criterion_id: mark.verdict for mark in marks}
    unmet = unmet_completion(criteria, verdicts)
    if unmet:
        named = ", ".join(
            f"#{criterion.number} ({verdict.label.lower() if verdict else 'unmarked'})"
            for criterion in unmet
            for verdict in [verdicts.get(criterion.id)]
        )
        raise CriteriaReasonNeeded(
            f"Say why this is Implemented while completion criteria are not met: {named}."
        )


def record_status_updates(
    session: Session, updates: Iterable[NewStatusUpdate], *, expected: int = 0
) -> list[int]:
    """Append checked updates in bulk, as `record_status_update` appends one; return their ids.

    The updates are read as they come, `CHUNK` at a time: a caller can pass a generator that
    checks them one by one. `expected` is how many the caller means to write, when it knows:
    a load that large against the tables is written as one (`bulk.loading`).
    """
    session.flush()  # what the updates refer to, added earlier in this transaction
    audited_at = utcnow()
    remote_addr = audit.remote_addr()
    ids: list[int] = []
    touched: set[int] = set()
    carried: list[int] = []
    with loading(session, LOADED, expected, keep=READ_AFTER_LOADING):
        for chunk in chunks(updates, CHUNK):
            written = insert_updates(session, chunk)
            session.execute(ORIGINAL_REVISIONS, {"ids": written})
            connection = session.connection()
            insert_rows(connection, Evidence.__table__, evidence_columns(chunk, written))
            marks = [
                (id_, mark) for new, id_ in zip(chunk, written, strict=True) for mark in new.marks
            ]
            insert_rows(
                connection,
                CriterionMark.__table__,
                {
                    "update_id": [id_ for id_, _ in marks],
                    "criterion_id": [mark.criterion_id for _, mark in marks],
                    "verdict": [mark.verdict for _, mark in marks],
                    "note": [mark.note for _, mark in marks],
                },
            )
            count = len(chunk)
            insert_rows(
                connection,
                AuditEvent.__table__,
                {
                    "at": [audited_at] * count,
                    "user_id": [new.author.id for new in chunk],
                    "action": ["status_update.create"] * count,
                    "target_type": [StatusUpdate.__tablename__] * count,
                    "target_id": written,
                    "after": [created_update_audit(new) for new in chunk],
                    "remote_addr": [remote_addr] * count,
                },
            )
            # An approval carried over with its update, audited as the review queue audits one.
            approved = [
                (id_, new.approval)
                for new, id_ in zip(chunk, written, strict=True)
                if new.approval is not None
            ]
            insert_rows(
                connection,
                AuditEvent.__table__,
                {
                    "at": [audited_at] * len(approved),
                    "user_id": [approval.by.id for _, approval in approved],
                    "action": ["status_update.approve"] * len(approved),
                    "target_type": [StatusUpdate.__tablename__] * len(approved),
                    "target_id": [id_ for id_, _ in approved],
                    "before": [{"approved": False} for _ in approved],
                    "after": [
                        {"approved": True, "at": approval.at.isoformat()}
                        for _, approval in approved
                    ],
                    "remote_addr": [remote_addr] * len(approved),
                },
            )
            ids += written
            touched.update(new.recommendation.id for new in chunk)
            for new, id_ in zip(chunk, written, strict=True):
                if new.retraction is not None:
                    withdraw(session, session.get_one(StatusUpdate, id_), new.retraction)
                    carried.append(id_)
    if ids:
        index_updates(session.connection(), ids)
        # An update that arrives already retracted is history carried over, not news.
        news = set(ids) - set(carried)
        after_writing(session, touched, news=News("update", news))
    return ids


# The tables an update's rows go into, in bulk.
LOADED = [
    StatusUpdate.__table__,
    StatusRevision.__table__,
    Evidence.__table__,
    AuditEvent.__table__,
]
# The indexes that what follows a load reads, kept through a load whose other indexes wait
# for the end of an import of many files: moving the recommendations' current updates
# (`after_writing`), which without them would read every update for each, and indexing the
# load's evidence for search, which would read all the evidence for each load.
READ_AFTER_LOADING = (
    "ix_status_update_recommendation_id",
    "ix_status_update_status_recommendation_id_as_of",
    "ix_evidence_update_id",
)


def original_revisions() -> Insert:
    """Each update's first revision, copied from the update's own row by the database."""
    update, revision = StatusUpdate.__table__, StatusRevision.__table__
    same = ["status", "as_of", "assessment", "confidence", "author_id", "created_at"]
    return insert(revision).from_select(
        ["update_id", "number", "kind", *same],
        select(
            update.c.id,
            literal(1, Integer()),
            literal(RevisionKind.ORIGINAL, revision.c.kind.type),
            *(update.c[name] for name in same),
        ).where(update.c.id.in_(bindparam("ids", expanding=True))),
    )


ORIGINAL_REVISIONS = original_revisions()


def chunks(items: Iterable[NewStatusUpdate], size: int) -> Iterator[list[NewStatusUpdate]]:
    chunk: list[NewStatusUpdate] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def insert_updates(session: Session, chunk: list[NewStatusUpdate]) -> list[int]:
    """Insert the updates' own rows; return their ids, in order."""
    table = StatusUpdate.__table__
    columns = update_columns(chunk)
    if len(chunk) <= FEW:
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.execute(statement, rows_of(columns)).scalars())
    ids = reserve_ids(session.connection(), table, len(chunk))
    insert_rows(session.connection(), table, {"id": ids} | columns)
    return ids


def reserve_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Take `count` new ids for rows of `table` that a bulk load will give them.

    PostgreSQL draws them from the column's sequence; SQLite, which gives a row the next id
    after the highest, has them follow it: the caller holds the write lock.
    """
    if connection.dialect.name == "postgresql":
        drawn = connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": count},
        )
        return sorted(drawn.scalars())
    last = connection.scalar(select(func.max(table.c.id))) or 0
    return list(range(last + 1, last + 1 + count))


# An update's own values, as its row's columns name them.
UPDATE_VALUES = attrgetter(
    "recommendation.id", "status", "as_of", "assessment", "confidence", "author.id",
    "logged_at", "import_key", "change_reason", "criteria_reason",
)  # fmt: skip
UPDATE_COLUMNS = (
    "recommendation_id", "status", "as_of", "assessment", "confidence", "author_id",
    "created_at", "import_key", "change_reason", "criteria_reason",
)  # fmt: skip
# An item of evidence's fields bear its columns' names.
EVIDENCE_COLUMNS = (
    "url", "title", "publisher", "published_on", "excerpt", "stance", "reliability",
    "credibility",
)  # fmt: skip
EVIDENCE_VALUES = attrgetter(*EVIDENCE_COLUMNS)


def update_columns(chunk: Sequence[NewStatusUpdate]) -> dict[str, Sequence[Any]]:
    """The updates' rows, a column at a time."""
    columns: dict[str, Sequence[Any]] = dict(
        zip(UPDATE_COLUMNS, zip(*map(UPDATE_VALUES, chunk), strict=True), strict=True)
    )
    approvals = [new.approval for new in chunk]
    columns["approved_at"] = [approval.at if approval else None for approval in approvals]
    columns["approved_by_id"] = [approval.by.id if approval else None for approval in approvals]
    return columns


def evidence_columns(
    chunk: Sequence[NewStatusUpdate], ids: Sequence[int]
) -> dict[str, Sequence[Any]]:
    """The rows of the updates' evidence, a column at a time: each item in its place."""
    items = [item for new in chunk for item in new.evidence]
    columns: dict[str, Sequence[Any]] = {
        "update_id": [id_ for new, id_ in zip(chunk, ids, strict=True) for _ in new.evidence],
        "position": [position for new in chunk for position in range(1, len(new.evidence) + 1)],
    }
    if items:
        columns |= zip(
            EVIDENCE_COLUMNS, zip(*map(EVIDENCE_VALUES, items), strict=True), strict=True
        )
    return columns


def created_update_audit(new: NewStatusUpdate) -> dict[str, Any]:
    """Describe a new update for the audit trail."""
    return {
        "recommendation": new.recommendation.slug,
        "status": new.status.value,
        "as_of": new.as_of.isoformat(),
        "confidence": new.confidence.value,
        "assessment": new.assessment,
        "evidence": [item.url for item in new.evidence],
        **({"change_reason": new.change_reason} if new.change_reason else {}),
        **({"criteria_reason": new.criteria_reason} if new.criteria_reason else {}),
        **(
            {"criteria": {str(mark.criterion_id): mark.verdict.value for mark in new.marks}}
            if new.marks
            else {}
        ),
    }


def status_before(session: Session, recommendation: Recommendation, as_of: dt.date) -> Status:
    """The status in force on `as_of` by everything known now: what a new update changes."""
    judgement = judgement_of(session, recommendation.id, Moment(as_of))
    return judgement.status if judgement else Status.NOT_ASSESSED


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
    if status is Status.NOT_ASSESSED:
        raise TrackingError("An update must record an assessed status.")
    if as_of > now.date():
        raise TrackingError("The as-of date cannot be in the future.")


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
        kept = {e.id for e in evidence if e.id and stored_input(cited[e.id]) == e.item}
    # Changed unless every stored item is kept as it was and nothing is added.
    evidence_changes = evidence is not None and not (
        kept == set(cited) and len(evidence) == len(cited)
    )
    if before == values and not evidence_changes:
        raise TrackingError("The correction changes nothing.")
    revision = add_revision(session, update, RevisionKind.CORRECTION, editor, reason, now, **values)
    audit_before = audit.printable(before) | {"revision": revision.number - 1}
    audit_after = audit.printable(values) | {"revision": revision.number, "reason": reason}
    if evidence_changes:
        audit_before["evidence"] = [evidence_audit(item) for item in cited.values()]
        audit_after["evidence"] = [evidence_audit(e.item) for e in evidence or []]
        revise_evidence(session, update, cited, kept, evidence or [], revision.number)
    update.corrected_at = revision.created_at
    for key, value in values.items():
        setattr(update, key, value)
    session.flush()
    session.expire(update, ["evidence", "all_evidence"])
    audit.record(
        session, "status_update.correct", user=editor, target=update,
        before=audit_before, after=audit_after,
    )  # fmt: skip
    after_writing(session, [update.recommendation_id], news=News("correction", [update.id], editor))
    return revision


def approve_status_update(
    session: Session, update: StatusUpdate, *, editor: User, now: dt.datetime | None = None
) -> None:
    """Approve an update for the public: an editor, never its author, and only once.

    Corrections and retractions of an approved update need no second approval: they are
    the ledger correcting itself, shown with their reasons in the public corrections log.
    """
    if not editor.can(Role.EDITOR):
        raise PermissionError("Only an editor can approve an update.")
    if editor.id == update.author_id:
        raise TrackingError("An update is approved by an editor other than its author.")
    if update.approved_at is not None:
        raise TrackingError("This update is already approved.")
    update.approved_at = now or utcnow()
    update.approved_by_id = editor.id
    session.flush()
    audit.record(
        session, "status_update.approve", user=editor, target=update,
        before={"approved": False}, after={"approved": True, "revision": update.revision},
    )  # fmt: skip


def revise_evidence(
    session: Session,
    update: StatusUpdate,
    cited: dict[int, Evidence],
    kept: set[int],
    evidence: Sequence[CorrectedEvidence],
    revision: int,
) -> None:
    """Withdraw the items a correction replaces or leaves out; add the new and the corrected.

    Stored items are never changed but for the revision that withdraws them. A corrected
    item keeps its place in the list; an added one goes to the end.
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
        row = dict(zip(EVIDENCE_COLUMNS, EVIDENCE_VALUES(corrected.item), strict=True))
        session.add(Evidence(**row, position=position, update_id=update.id, added_in=revision))


def stored_input(item: Evidence) -> EvidenceInput:
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
    revision = withdraw(session, update, Retraction(now or utcnow(), editor, reason))
    after_writing(session, [update.recommendation_id], news=News("retraction", [update.id], editor))
    return revision


def withdraw(session: Session, update: StatusUpdate, retraction: Retraction) -> StatusRevision:
    """Add the retraction's revision and audit event; the caller refreshes what follows."""
    revision = add_revision(
        session, update, RevisionKind.RETRACTION, retraction.by, retraction.reason,
        retraction.at, status=update.status, as_of=update.as_of,
        assessment=update.assessment, confidence=update.confidence,
    )  # fmt: skip
    update.retracted_at = revision.created_at
    update.retraction_reason = retraction.reason
    session.flush()
    audit.record(
        session, "status_update.retract", user=retraction.by, target=update,
        before={"retracted": False}, after={"retracted": True, "reason": retraction.reason},
    )  # fmt: skip
    return revision


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
class News:
    """What was just written, for the watchers: new updates, or a correction or retraction."""

    kind: str
    update_ids: Collection[int]
    by: User | None = None  # who made it, when not the updates' authors


def after_writing(
    session: Session, recommendation_ids: Collection[int], *, news: News | None = None
) -> None:
    """Bring up to date what follows from the judgements of these recommendations.

    The current updates, and the watchers' notifications, in the same transaction. The
    pointers move as late as they can: on PostgreSQL moving one locks its recommendation's
    row until the commit, and every other writer to that recommendation waits that long.
    """
    if news is None or not news.update_ids:
        refresh_current_updates(session, recommendation_ids)
        return
    with notifying_updates(session, news.kind, news.update_ids, news.by):
        refresh_current_updates(session, recommendation_ids)


def refresh_current_updates(session: Session, recommendation_ids: Iterable[int] | None) -> None:
    """Point recommendations (all of them for None) at the update in force now, with its
    status, as-of date and time logged, and the highest step any of their updates holds.

    Now, as-of dates cannot be in the future, so the rule needs no date: the update not
    retracted with the latest as-of date, ties going to the one logged last.
    """
    if recommendation_ids is None:
        session.execute(REFRESH_CURRENT_UPDATES)
    else:
        session.execute(REFRESH_CURRENT_UPDATES_OF, {"ids": list(recommendation_ids)})


def refresh_statement() -> Update:
    def latest(column: Any) -> Any:
        return (
            select(column)
            .where(
                StatusUpdate.recommendation_id == Recommendation.id,
                StatusUpdate.retracted_at.is_(None),
            )
            .order_by(
                StatusUpdate.as_of.desc(), StatusUpdate.created_at.desc(), StatusUpdate.id.desc()
            )
            .limit(1)
            .scalar_subquery()
        )

    # On the table, not the mapped class: moving the pointer is not an editor's edit, so
    # it must not bump the version that guards editors' saves.
    table = Recommendation.__table__
    return table.update().values(
        current_update_id=latest(StatusUpdate.id),
        current_status=latest(StatusUpdate.status),
        current_as_of=latest(StatusUpdate.as_of),
        current_logged_at=latest(StatusUpdate.created_at),
        held_step=highest_step_held(),
        updated_at=table.c.updated_at,
    )


# Built once, as every write runs one of them.
REFRESH_CURRENT_UPDATES = refresh_statement()
REFRESH_CURRENT_UPDATES_OF = REFRESH_CURRENT_UPDATES.where(
    Recommendation.__table__.c.id.in_(bindparam("ids", expanding=True))
)
