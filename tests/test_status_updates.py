"""The rule for the status in force, in Python and in SQL, on the same histories."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.models import Recommendation, StatusRevision, StatusUpdate
from tracker.moments import Judgement, Moment, judgements_in_force, revision_at
from tracker.status_updates import (
    EvidenceInput,
    TrackingError,
    correct_status_update,
    record_status_update,
    retract_status_update,
)
from tracker.vocabulary import (
    Confidence,
    Credibility,
    Reliability,
    RevisionKind,
    Role,
    Stance,
    Status,
)

from .helpers import SLUG, update_form

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def judgement_in_force(updates: Iterable[StatusUpdate], moment: Moment) -> Judgement | None:
    """Pick the judgement in force at `moment`, plainly: the reference the SQL must match.

    The rule: among updates not retracted (at that moment), the one with the latest as-of
    date on or before `moment.as_of`, ties going to the one logged last, in its revision of
    that moment.
    """
    candidates = []
    for update in updates:
        revision = revision_at(update, moment)
        if revision is None or revision.kind is RevisionKind.RETRACTION:
            continue
        if revision.as_of <= moment.as_of:
            candidates.append(
                Judgement(update.id, revision.status, revision.as_of, update.created_at)
            )
    return max(candidates, key=lambda j: (j.as_of, j.logged_at, j.update_id), default=None)


NOW = Moment(as_of=dt.date(2030, 1, 1))


def update(
    id: int, as_of: str, logged_minutes: int, status: Status = Status.IN_PROGRESS
) -> StatusUpdate:
    """An update with its first revision, logged `logged_minutes` after T0."""
    logged = T0 + dt.timedelta(minutes=logged_minutes)
    day = dt.date.fromisoformat(as_of)
    return StatusUpdate(
        id=id,
        status=status,
        as_of=day,
        created_at=logged,
        revisions=[
            StatusRevision(
                number=1, kind=RevisionKind.ORIGINAL, status=status, as_of=day, created_at=logged
            )
        ],
    )


def test_latest_as_of_date_wins_whatever_the_order_logged() -> None:
    backfilled = update(2, "2020-01-10", logged_minutes=60)
    recent = update(1, "2021-05-01", logged_minutes=0)
    assert judgement_in_force([backfilled, recent], NOW).update_id == 1


def test_ties_on_the_as_of_date_go_to_the_one_logged_last() -> None:
    first = update(1, "2021-05-01", logged_minutes=0)
    second = update(2, "2021-05-01", logged_minutes=5)
    assert judgement_in_force([second, first], NOW).update_id == 2


def test_updates_after_the_date_do_not_count() -> None:
    early = update(1, "2020-03-01", logged_minutes=0)
    late = update(2, "2021-03-01", logged_minutes=1)
    assert judgement_in_force([early, late], Moment(dt.date(2020, 12, 31))).update_id == 1
    assert judgement_in_force([early, late], Moment(dt.date(2020, 2, 1))) is None
    assert judgement_in_force([], Moment(dt.date(2020, 2, 1))) is None


def test_known_on_counts_only_what_was_logged_by_then() -> None:
    early = update(1, "2020-03-01", logged_minutes=0)  # logged 2024-01-01
    backfilled = update(2, "2020-06-01", logged_minutes=3 * 24 * 60)  # logged 2024-01-04
    updates = [early, backfilled]
    assert judgement_in_force(updates, Moment(dt.date(2021, 1, 1))).update_id == 2
    shown = judgement_in_force(updates, Moment(dt.date(2021, 1, 1), known_on=dt.date(2024, 1, 2)))
    assert shown.update_id == 1


def test_known_on_undoes_later_corrections_and_retractions() -> None:
    corrected = update(1, "2020-03-01", logged_minutes=0, status=Status.IN_PROGRESS)
    corrected.revisions.append(StatusRevision(
        number=2, kind=RevisionKind.CORRECTION, status=Status.STALLED,
        as_of=dt.date(2020, 3, 1), created_at=T0 + dt.timedelta(days=10),
    ))  # fmt: skip
    retracted = update(2, "2020-04-01", logged_minutes=1, status=Status.IMPLEMENTED)
    retracted.revisions.append(StatusRevision(
        number=2, kind=RevisionKind.RETRACTION, status=Status.IMPLEMENTED,
        as_of=dt.date(2020, 4, 1), created_at=T0 + dt.timedelta(days=20),
    ))  # fmt: skip
    updates = [corrected, retracted]

    def shown(as_of: str, known_on: str | None = None) -> Status | None:
        moment = Moment(dt.date.fromisoformat(as_of), known_on and dt.date.fromisoformat(known_on))
        judgement = judgement_in_force(updates, moment)
        return judgement.status if judgement else None

    # The correction (logged 2024-01-11) is undone before it was made.
    assert shown("2020-03-15", "2024-01-05") is Status.IN_PROGRESS
    assert shown("2020-03-15", "2024-01-15") is Status.STALLED
    # The retraction (logged 2024-01-21) likewise.
    assert shown("2021-01-01", "2024-01-15") is Status.IMPLEMENTED
    assert shown("2021-01-01", "2024-01-25") is Status.STALLED
    assert shown("2021-01-01") is Status.STALLED
    assert shown("2021-01-01", "2023-12-31") is None


EVIDENCE = [
    EvidenceInput(
        url="https://example.org/a", title="A", publisher="P", excerpt="E",
        stance=Stance.SUPPORTS, reliability=Reliability.A, credibility=Credibility.CONFIRMED,
    )
]  # fmt: skip


def record(db: Session, recommendation: Recommendation, author, **fields) -> StatusUpdate:
    values = {
        "status": Status.IN_PROGRESS,
        "as_of": dt.date(2021, 1, 1),
        "assessment": "A",
        "confidence": Confidence.LOW,
        "evidence": EVIDENCE,
    } | fields
    return record_status_update(db, recommendation, author=author, **values)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"status": Status.NOT_ASSESSED}, "An update must record an assessed status."),
        ({"evidence": []}, "An update needs at least one item of evidence."),
        (
            {"evidence": [EvidenceInput(**{**EVIDENCE[0].__dict__, "url": "ftp://example.org/x"})]},
            "Evidence links must be http or https",
        ),
    ],
)
def test_service_refuses_what_the_form_would(db: Session, make_user, fields, message) -> None:
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    with pytest.raises(TrackingError, match=message):
        record(db, recommendation, make_user(), **fields)


def test_service_refuses_an_as_of_date_in_the_future(db: Session, make_user) -> None:
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    # Tomorrow as the test runs, not as it was collected: a run may cross midnight.
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(TrackingError, match="The as-of date cannot be in the future."):
        record(db, recommendation, make_user(), as_of=tomorrow)


def test_sql_and_python_agree_on_random_histories(db: Session, make_user) -> None:
    """Random updates, corrections and retractions at random times; every moment agrees."""
    author = make_user(Role.EDITOR)
    recommendations = db.scalars(select(Recommendation)).all()
    chooser = random.Random(2020)
    day = lambda: dt.date(2020, 1, 1) + dt.timedelta(days=30 * chooser.randrange(6))  # noqa: E731
    logged = lambda: T0 + dt.timedelta(days=chooser.randrange(10))  # noqa: E731
    updates = []
    for _ in range(60):
        updates.append(record(
            db, chooser.choice(recommendations), author,
            status=chooser.choice(Status.recordable()), as_of=day(), now=logged(),
            change_reason="Whatever moved.",
        ))  # fmt: skip
    for target in chooser.sample(updates, 15):
        when = max(target.created_at, logged()) + dt.timedelta(hours=1)
        correct_status_update(
            db, target, editor=author, status=chooser.choice(Status.recordable()),
            as_of=day(), assessment="Corrected", confidence=Confidence.HIGH, reason="R", now=when,
        )  # fmt: skip
    for target in chooser.sample(updates, 10):
        if not target.retracted:
            when = max(target.created_at, logged()) + dt.timedelta(hours=2)
            retract_status_update(db, target, editor=author, reason="R", now=when)
    db.commit()
    db.expire_all()  # reload every update with all its revisions
    loaded = db.scalars(select(StatusUpdate).options(selectinload(StatusUpdate.revisions))).all()
    moments = [
        Moment(as_of, known_on)
        for as_of in (
            dt.date(2019, 12, 31),
            dt.date(2020, 2, 15),
            dt.date(2020, 6, 1),
            dt.date.today(),
        )
        for known_on in (None, dt.date(2023, 12, 31), dt.date(2024, 1, 3), dt.date(2024, 1, 8))
    ]
    for moment in moments:
        in_sql = {
            row.recommendation_id: (row.update_id, Status(row.status), row.as_of)
            for row in db.execute(select(judgements_in_force(moment)))
        }
        for recommendation in recommendations:
            history = [u for u in loaded if u.recommendation_id == recommendation.id]
            expected = judgement_in_force(history, moment)
            got = in_sql.get(recommendation.id)
            assert got == (
                (expected.update_id, expected.status, expected.as_of) if expected else None
            ), moment


def test_posting_an_update_runs_as_many_statements_whatever_the_history(
    client: FlaskClient, analyst, count_statements
) -> None:
    posts = []
    for day in ("2024-01-01", "2024-01-02", "2024-01-03"):
        counter = count_statements()
        response = client.post(f"/recommendations/{SLUG}/updates/new", data=update_form(as_of=day))
        assert response.status_code == 302
        posts.append(list(counter.statements))
    assert len(posts[0]) == len(posts[1]) == len(posts[2])
    # The session; the recommendation's row (not what its page shows) and its status before;
    # the update, its revision, evidence and audit event; the current update; the watchers'
    # notifications (two statements); the data's version; and SQLite's search index (two).
    search = sum("search_index" in statement for statement in posts[2])
    assert len(posts[2]) - search == 11
    assert not any("FROM criterion" in statement for statement in posts[2])
