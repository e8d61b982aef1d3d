"""Blind reviews in the JSON format: `blind_reviews[]`, each with its independent assessments.

A review names its recommendation and its `number` there (1 is the first). A review already
stored is kept as it is; the others are replayed as the pages made them, at the times they
carry: opened, each assessment submitted, submissions ended, the consensus linked (to an
update of the file or of the database, by its key), all or nothing.

A reader's own export withholds the assessments of a review they may not yet see (it is
marked `"withheld": true`, with none listed); `tracker export` and an admin's export hold all.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..assessments.forms import ASSESSMENT, REVIEW
from ..assessments.operations import (
    ReviewError,
    close_review,
    end_submissions,
    open_review,
    submit_assessment,
)
from ..assessments.reading import ReviewShown
from ..auth.services import normalise_email
from ..field_rules import check_fields
from ..models import BlindReview, IndependentAssessment, StatusUpdate, User
from ..moments import Moment
from ..vocabulary import Confidence, Role, Status
from .entries import Entries, Numbering, numbers_stored
from .formats import read_time, timestamp

TIMES = ("opened_at", "ended_at", "closed_at")


def load_blind_reviews(session: Session) -> list[BlindReview]:
    """Load every review with what its entry names, in the exports' order."""
    reviews = list(
        session.scalars(
            select(BlindReview).options(
                joinedload(BlindReview.recommendation),
                joinedload(BlindReview.opened_by),
                joinedload(BlindReview.ended_by),
                joinedload(BlindReview.closed_by),
                selectinload(BlindReview.analysts),
                selectinload(BlindReview.assessments).joinedload(IndependentAssessment.assessor),
            )
        )
    )
    reviews.sort(key=lambda review: (review.recommendation.slug, review.number))
    return reviews


def review_records(
    reviews: list[BlindReview], update_keys: dict[int, str], reader: User | None
) -> list[dict[str, Any]]:
    """Describe the reviews; `reader` None or an admin gets every assessment."""
    today = dt.date.today()
    records = []
    for review in reviews:
        withheld = (
            reader is not None
            and not reader.can(Role.ADMIN)
            and not ReviewShown(review, Moment(today), reader, today).visible
        )
        records.append(
            {
                "recommendation": review.recommendation.slug,
                "number": review.number,
                "as_of": review.as_of.isoformat(),
                "closes_on": review.closes_on.isoformat() if review.closes_on else None,
                "opened_by": review.opened_by.email,
                "opened_at": timestamp(review.opened_at),
                "analysts": sorted(user.email for user in review.analysts),
                "ended_at": timestamp(review.ended_at) if review.ended_at else None,
                "ended_by": review.ended_by.email if review.ended_by else None,
                "closed_at": timestamp(review.closed_at) if review.closed_at else None,
                "closed_by": review.closed_by.email if review.closed_by else None,
                "consensus": update_keys.get(review.consensus_update_id or 0),
                "withheld": withheld,
                "assessments": []
                if withheld
                else [
                    {
                        "analyst": item.assessor.email,
                        "status": item.status.value,
                        "confidence": item.confidence.value,
                        "rationale": item.rationale,
                        "evidence_url": item.evidence_url,
                        "evidence_title": item.evidence_title,
                        "submitted_at": timestamp(item.submitted_at),
                    }
                    for item in review.assessments
                ],
            }
        )
    return records


def review_authors(reviews: list[BlindReview]) -> dict[str, str]:
    """Map the email of everyone a review names to their name."""
    people: dict[str, str] = {}
    for review in reviews:
        named = [review.opened_by, review.ended_by, review.closed_by, *review.analysts]
        named += [item.assessor for item in review.assessments]
        people.update((user.email, user.name) for user in named if user is not None)
    return people


def wanted_people(entries: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """The (path, email) of everyone the entries name, for the importer to find or create."""
    wanted = []
    for path, item in entries:
        for name in ("opened_by", "ended_by", "closed_by"):
            if isinstance(item.get(name), str):
                wanted.append((f"{path}.{name}", item[name]))
        for index, email in enumerate(as_list(item.get("analysts"))):
            wanted.append((f"{path}.analysts[{index}]", str(email)))
        for index, entry in enumerate(as_list(item.get("assessments"))):
            if isinstance(entry, dict):
                wanted.append((f"{path}.assessments[{index}].analyst", str(entry.get("analyst"))))
    return wanted


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class Reader:
    """Reads an entry's members, noting each problem at its path."""

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path, self.problems = path, problems

    def problem(self, name: str, message: str) -> None:
        self.problems.append((f"{self.path}.{name}", message))

    def text(self, item: dict[str, Any], name: str) -> str:
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            self.problem(name, "Expected text.")
        return value if isinstance(value, str) else ""

    def time(self, item: dict[str, Any], name: str, now: dt.datetime) -> dt.datetime | None:
        value = self.text(item, name)
        if not value:
            return None
        found: list[tuple[str, str]] = []
        parsed = read_time(value, name, now, found)
        for where, message in found:
            self.problem(where, message)
        return parsed

    def user(self, item: dict[str, Any], name: str, authors: dict[str, User]) -> User | None:
        email = self.text(item, name)
        return authors.get(normalise_email(email)) if email else None


def by_number(entry: tuple[str, Any]) -> tuple[str, int]:
    """An entry's place among those to replay: by recommendation, then number."""
    number = entry[1].get("number")
    return str(entry[1].get("recommendation")), number if isinstance(number, int) else 0


def add_blind_reviews(
    session: Session,
    entries: list[tuple[str, Any]],
    authors: dict[str, User],
    update_ids: dict[str, int],
    now: dt.datetime,
) -> tuple[list[tuple[str, str]], Counter[str]]:
    """Replay the reviews the database lacks; return the problems (path, message) and counts.

    `update_ids` maps the keys of the updates stored (the file's included) to their ids.
    """
    reader = Entries(session, entries)
    problems, counts = reader.problems, reader.counts
    numbers = Numbering(
        numbers_stored(session, BlindReview), "Expected blind review number {} next."
    )
    for path, item in sorted(entries, key=by_number):
        read = Reader(path, problems)
        entry = reader.read(path, item, ("recommendation",), {}, problems)
        rec, number = entry.recommendation, entry.number
        if rec is not None and number is not None:
            if numbers.holds(rec.id, number):
                counts["blind reviews already present"] += 1
                continue
            numbers.follows(rec.id, number, f"{path}.number", problems)
        data, errors = check_fields(REVIEW, {name: read.text(item, name) for name in REVIEW})
        for name, messages in errors.items():
            read.problem(name, " ".join(str(message) for message in messages))
        times = {name: read.time(item, name, now) for name in TIMES}
        opened_by = read.user(item, "opened_by", authors)
        if opened_by is None:
            read.problem("opened_by", "Name who opened the review by their email address.")
        if times["opened_at"] is None:
            read.problem("opened_at", "Give the time the review was opened.")
        analysts = [
            authors.get(normalise_email(str(email))) for email in as_list(item.get("analysts"))
        ]
        assessments = []
        for index, entry in enumerate(as_list(item.get("assessments"))):
            where = Reader(f"{path}.assessments[{index}]", problems)
            if not isinstance(entry, dict):
                problems.append((where.path, "Expected an object."))
                continue
            checked, errors = check_fields(
                ASSESSMENT, {name: where.text(entry, name) for name in ASSESSMENT}
            )
            for name, messages in errors.items():
                where.problem(name, " ".join(str(message) for message in messages))
            assessor = where.user(entry, "analyst", authors)
            submitted_at = where.time(entry, "submitted_at", now)
            if submitted_at is None:
                where.problem("submitted_at", "Give the time the assessment was submitted.")
            assessments.append((where, assessor, checked, submitted_at))
        consensus = read.text(item, "consensus").strip()
        if times["closed_at"] is not None and consensus not in update_ids:
            read.problem("consensus", f"No status update has the key “{consensus}”.")
        if problems or rec is None or opened_by is None:
            continue  # a refused file: spare the writes
        try:
            review = open_review(
                session, rec, by=opened_by, as_of=data["as_of"], closes_on=data["closes_on"],
                analysts=[user for user in analysts if user is not None], now=times["opened_at"],
            )  # fmt: skip
            session.refresh(review, ["analysts", "assessments"])
            for where, assessor, checked, submitted_at in sorted(assessments, key=lambda a: a[3]):
                read = where
                assert assessor is not None and submitted_at is not None
                submit_assessment(
                    session, review, assessor=assessor, status=Status(checked["status"]),
                    confidence=Confidence(checked["confidence"]), rationale=checked["rationale"],
                    evidence_url=checked["evidence_url"], evidence_title=checked["evidence_title"],
                    now=submitted_at,
                )  # fmt: skip
                counts["independent assessments added"] += 1
            read = Reader(path, problems)
            ended_by = read.user(item, "ended_by", authors)
            if times["ended_at"] is not None and review.ended_at is None and ended_by is not None:
                end_submissions(session, review, by=ended_by, now=times["ended_at"])
            closed_by = read.user(item, "closed_by", authors)
            if times["closed_at"] is not None and closed_by is not None:
                update = session.get_one(StatusUpdate, update_ids[consensus])
                close_review(session, review, update, by=closed_by, now=times["closed_at"])
        except ReviewError as error:
            read.problem(error.field or "assessments", str(error))
            continue
        counts["blind reviews added"] += 1
        if item.get("withheld") is True:
            counts["blind reviews whose assessments the file withheld"] += 1
    return problems, counts
