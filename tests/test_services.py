"""The rule for the current status, in Python and in SQL, on the same histories."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Recommendation, StatusUpdate
from tracker.services import (
    EvidenceInput,
    TrackingError,
    current_update,
    current_update_ids,
    record_status_update,
)
from tracker.vocabulary import Confidence, Credibility, Reliability, Stance, Status

from .helpers import SLUG

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def update(id: int, as_of: str, logged_minutes: int, status: Status = Status.IN_PROGRESS) -> StatusUpdate:
    return StatusUpdate(
        id=id,
        status=status,
        as_of=dt.date.fromisoformat(as_of),
        created_at=T0 + dt.timedelta(minutes=logged_minutes),
    )


def test_latest_as_of_date_wins_whatever_the_order_logged() -> None:
    backfilled = update(2, "2020-01-10", logged_minutes=60)
    recent = update(1, "2021-05-01", logged_minutes=0)
    assert current_update([backfilled, recent], dt.date(2022, 1, 1)) is recent


def test_ties_on_the_as_of_date_go_to_the_one_logged_last() -> None:
    first = update(1, "2021-05-01", logged_minutes=0)
    second = update(2, "2021-05-01", logged_minutes=5)
    assert current_update([second, first], dt.date(2022, 1, 1)) is second


def test_updates_after_the_date_do_not_count() -> None:
    early = update(1, "2020-03-01", logged_minutes=0)
    late = update(2, "2021-03-01", logged_minutes=1)
    assert current_update([early, late], dt.date(2020, 12, 31)) is early
    assert current_update([early, late], dt.date(2020, 2, 1)) is None
    assert current_update([], dt.date(2020, 2, 1)) is None


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
        ({"as_of": dt.date.today() + dt.timedelta(days=1)}, "The as-of date cannot be in the future."),
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


def test_sql_and_python_agree_on_random_histories(db: Session, make_user) -> None:
    author = make_user()
    recommendations = db.scalars(select(Recommendation)).all()
    chooser = random.Random(2020)
    for _ in range(60):
        record(
            db,
            chooser.choice(recommendations),
            author,
            status=chooser.choice(Status.recordable()),
            # Few distinct dates, so that ties on the as-of date are common.
            as_of=dt.date(2020, 1, 1) + dt.timedelta(days=30 * chooser.randrange(6)),
        )
    db.commit()
    updates = db.scalars(select(StatusUpdate)).all()
    for day in (dt.date(2019, 12, 31), dt.date(2020, 2, 15), dt.date(2020, 6, 1), dt.date.today()):
        in_sql = dict(db.execute(current_update_ids(day)).all())
        for recommendation in recommendations:
            history = [u for u in updates if u.recommendation_id == recommendation.id]
            expected = current_update(history, day)
            assert in_sql.get(recommendation.id) == (expected.id if expected else None)
