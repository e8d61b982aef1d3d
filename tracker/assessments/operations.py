"""Opening blind reviews, submitting independent assessments, recording the consensus.

Each function adds and flushes, never commits, and audits what it wrote. Who may call them
is the caller's check (the views hold editors and analysts to their roles; an import carries
what was done elsewhere); the rules of the review itself are checked here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from .. import audit
from ..models import (
    BlindReview,
    IndependentAssessment,
    Recommendation,
    StatusUpdate,
    User,
    utcnow,
)
from ..status_updates import EvidenceInput, record_status_update
from ..vocabulary import Confidence, Role, Status


class ReviewError(ValueError):
    """A blind review's write refused for a reason the user can fix; `field` names the field
    at fault, None the whole form."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


def unclosed_review(
    session: Session, recommendation: Recommendation, today: dt.date | None = None
) -> BlindReview | None:
    """The review of a recommendation still under way: not closed, and not lapsed (past its
    closing date with no assessment, so that no consensus can ever close it)."""
    submitted = select(IndependentAssessment.id).where(
        IndependentAssessment.review_id == BlindReview.id
    )
    lapsed = and_(BlindReview.closes_on < (today or dt.date.today()), ~submitted.exists())
    return session.scalars(
        select(BlindReview).where(
            BlindReview.recommendation_id == recommendation.id,
            BlindReview.closed_at.is_(None),
            ~lapsed,
        )
    ).first()


def open_review(
    session: Session,
    recommendation: Recommendation,
    *,
    by: User,
    as_of: dt.date,
    closes_on: dt.date | None = None,
    analysts: Sequence[User] = (),
    now: dt.datetime | None = None,
) -> BlindReview:
    """Put a recommendation into blind review; `analysts` empty lets any analyst submit.

    One review of a recommendation at a time: the next opens once the last is closed.
    """
    now = now or utcnow()
    if unclosed_review(session, recommendation, now.date()) is not None:
        raise ReviewError(
            None,
            _("This recommendation is in blind review already: record its consensus first."),
        )
    if as_of > now.date():
        raise ReviewError("as_of", _("The date judged cannot be in the future."))
    if closes_on is not None and closes_on < now.date():
        raise ReviewError("closes_on", _("The closing date cannot be in the past."))
    for user in analysts:
        if not user.role.can(Role.ANALYST):
            raise ReviewError("analysts", _("%(name)s is not an analyst.", name=user.name))
    number = (
        session.scalar(
            select(func.max(BlindReview.number)).where(
                BlindReview.recommendation_id == recommendation.id
            )
        )
        or 0
    ) + 1
    review = BlindReview(
        recommendation_id=recommendation.id,
        number=number,
        as_of=as_of,
        closes_on=closes_on,
        opened_by_id=by.id,
        opened_at=now,
        analysts=sorted(set(analysts), key=lambda user: user.name),
    )
    session.add(review)
    session.flush()
    audit.record(
        session, "blind_review.open", user=by, target=review,
        after={
            "recommendation": recommendation.slug, "number": number,
            "as_of": as_of.isoformat(),
            "closes_on": closes_on.isoformat() if closes_on else None,
            "analysts": sorted(user.email for user in analysts),
        },
    )  # fmt: skip
    return review


def submit_assessment(
    session: Session,
    review: BlindReview,
    *,
    assessor: User,
    status: Status,
    confidence: Confidence,
    rationale: str,
    evidence_url: str | None = None,
    evidence_title: str | None = None,
    now: dt.datetime | None = None,
) -> IndependentAssessment:
    """Add an analyst's own assessment to a review that takes them; a second one is refused.

    The last analyst asked to submit ends the submissions. Needs `review.analysts` and
    `review.assessments` loaded.
    """
    now = now or utcnow()
    if review.submissions_over(now.date()):
        raise ReviewError(None, _("This blind review takes no more assessments."))
    asked = {user.id for user in review.analysts}
    if asked and assessor.id not in asked:
        raise ReviewError(
            None, _("%(name)s was not asked to assess in this review.", name=assessor.name)
        )
    if any(item.assessor_id == assessor.id for item in review.assessments):
        raise ReviewError(
            None, _("Your assessment is submitted already: it stays as it was, and cannot change.")
        )
    if status is Status.NOT_ASSESSED:
        raise ReviewError("status", _("Choose a status."))
    evidence_url = (evidence_url or "").strip() or None
    assessment = IndependentAssessment(
        assessor_id=assessor.id,
        status=status,
        confidence=confidence,
        rationale=rationale.strip(),
        evidence_url=evidence_url,
        evidence_title=((evidence_title or "").strip() or evidence_url) if evidence_url else None,
        submitted_at=now,
    )
    review.assessments.append(assessment)
    session.flush()
    audit.record(
        session, "independent_assessment.submit", user=assessor, target=assessment,
        after={
            "review": review.id, "status": status.value, "confidence": confidence.value,
            "rationale": assessment.rationale, "evidence": evidence_url,
        },
    )  # fmt: skip
    submitted = {item.assessor_id for item in review.assessments}
    if asked and asked <= submitted:
        end(session, review, by=None, now=now)
    return assessment


def end_submissions(
    session: Session, review: BlindReview, *, by: User, now: dt.datetime | None = None
) -> None:
    """End a review's submissions: the assessments show to everyone, the consensus can follow.

    Needs `review.assessments` loaded; a review nobody has assessed yet cannot end.
    """
    now = now or utcnow()
    if review.submissions_over(now.date()):
        raise ReviewError(None, _("This blind review's submissions have ended already."))
    if not review.assessments:
        raise ReviewError(None, _("Nobody has submitted an assessment yet: wait for one first."))
    end(session, review, by=by, now=now)


def end(session: Session, review: BlindReview, *, by: User | None, now: dt.datetime) -> None:
    review.ended_at = now
    review.ended_by_id = by.id if by else None
    session.flush()
    audit.record(
        session, "blind_review.end", user=by, target=review,
        before={"ended": False},
        after={"ended": True, "by": by.email if by else "the last analyst asked"},
    )  # fmt: skip


def check_consensus(review: BlindReview, today: dt.date) -> None:
    """Refuse a consensus the review cannot take yet (raises ReviewError).

    Needs `review.assessments` loaded.
    """
    if review.closed_at is not None:
        raise ReviewError(None, _("This blind review is closed: its consensus is recorded."))
    if not review.submissions_over(today):
        raise ReviewError(None, _("End the submissions first: the analysts are still assessing."))
    if not review.assessments:
        raise ReviewError(
            None, _("No analyst submitted an assessment: there is nothing to settle.")
        )


def record_consensus(
    session: Session,
    review: BlindReview,
    *,
    editor: User,
    status: Status,
    assessment: str,
    confidence: Confidence,
    evidence: Sequence[EvidenceInput],
    change_reason: str | None = None,
    now: dt.datetime | None = None,
) -> StatusUpdate:
    """Record the consensus as the official status update, as of the date judged; close the
    review, linked to it.

    The update is written by `record_status_update` like any other (raises its errors).
    """
    now = now or utcnow()
    check_consensus(review, now.date())
    recommendation = session.get_one(Recommendation, review.recommendation_id)
    update = record_status_update(
        session, recommendation, author=editor, status=status, as_of=review.as_of,
        assessment=assessment, confidence=confidence, evidence=evidence,
        change_reason=change_reason, now=now,
    )  # fmt: skip
    close_review(session, review, update, by=editor, now=now)
    return update


def close_review(
    session: Session,
    review: BlindReview,
    update: StatusUpdate,
    *,
    by: User,
    now: dt.datetime | None = None,
) -> None:
    """Link a review to the update that settles it, and close it."""
    now = now or utcnow()
    if review.closed_at is not None:
        raise ReviewError(None, _("This blind review is closed: its consensus is recorded."))
    if update.recommendation_id != review.recommendation_id:
        raise ReviewError(None, _("The consensus must be an update of the same recommendation."))
    if review.ended_at is None:
        review.ended_at = now
        review.ended_by_id = by.id
    review.closed_at = now
    review.closed_by_id = by.id
    review.consensus_update_id = update.id
    session.flush()
    audit.record(
        session, "blind_review.close", user=by, target=review,
        before={"closed": False},
        after={"closed": True, "consensus_update": update.id, "status": update.status.value},
    )  # fmt: skip
