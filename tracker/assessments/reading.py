"""Reading blind reviews at a moment, and who may see what of them.

The blind: while a review takes assessments, its assessments' contents (status, confidence,
rationale, evidence, and so whether they agree) show only to those who have submitted one in
it. Everyone else sees its progress alone: who was asked and how many have submitted, and
editors also who submitted when. Once its submissions are over (an editor ended them, the last
analyst asked submitted, its closing date passed, or its consensus was recorded) everyone sees
everything. Who may see is judged now; what is shown follows the moment: known on a past day,
only the reviews opened and the assessments submitted by its end count, and a review shows
from the as-of date it judges.

Assessments disagree when those shown name at least two different statuses; confidence is
not compared.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from ..models import BlindReview, IndependentAssessment, User
from ..moments import Moment
from ..vocabulary import Role, Status


def load_reviews(
    session: Session, recommendation_ids: Collection[int], moment: Moment
) -> list[BlindReview]:
    """Load the reviews of these recommendations shown at `moment`, newest first, with their
    analysts and assessments: three queries, however many."""
    if not recommendation_ids:
        return []
    query = (
        select(BlindReview)
        .where(
            BlindReview.recommendation_id.in_(list(recommendation_ids)),
            BlindReview.as_of <= moment.as_of,
        )
        .order_by(BlindReview.number.desc())
        .options(
            joinedload(BlindReview.opened_by),
            joinedload(BlindReview.closed_by),
            selectinload(BlindReview.analysts),
            selectinload(BlindReview.assessments).joinedload(IndependentAssessment.assessor),
        )
    )
    if moment.known_before is not None:
        query = query.where(BlindReview.opened_at < moment.known_before)
    return list(session.scalars(query))


def load_review(session: Session, recommendation_id: int, review_id: int) -> BlindReview | None:
    found = load_reviews(session, [recommendation_id], Moment(dt.date.max))
    return next((review for review in found if review.id == review_id), None)


def known(at: dt.datetime | None, moment: Moment) -> bool:
    return at is not None and (moment.known_before is None or at < moment.known_before)


@dataclass(frozen=True)
class ReviewShown:
    """A review as one reader sees it at a moment."""

    review: BlindReview
    moment: Moment
    reader: User
    today: dt.date

    @property
    def assessments(self) -> list[IndependentAssessment]:
        """The assessments submitted by the moment; their contents only if `visible`."""
        return [a for a in self.review.assessments if known(a.submitted_at, self.moment)]

    @property
    def own(self) -> IndependentAssessment | None:
        return next((a for a in self.review.assessments if a.assessor_id == self.reader.id), None)

    @property
    def visible(self) -> bool:
        """Whether the reader may see the assessments' contents, judged now."""
        return self.review.submissions_over(self.today) or self.own is not None

    @property
    def asked(self) -> bool:
        """Whether the reader may take part: asked by name, or any analyst when none are."""
        names = self.review.analysts
        return self.reader.can(Role.ANALYST) and (
            not names or any(user.id == self.reader.id for user in names)
        )

    @property
    def may_assess(self) -> bool:
        return (
            self.moment.is_now
            and self.asked
            and self.own is None
            and not self.review.submissions_over(self.today)
        )

    @property
    def closed(self) -> bool:
        return known(self.review.closed_at, self.moment)

    @property
    def ended(self) -> bool:
        """Whether submissions were over at the moment."""
        review = self.review
        day = self.moment.known_on or self.today
        closing = review.closes_on is not None and review.closes_on < day
        return known(review.ended_at, self.moment) or self.closed or closing

    @property
    def under_way(self) -> bool:
        """Whether it keeps a new review from opening (see `operations.unclosed_review`)."""
        review = self.review
        lapsed = review.closes_on is not None and review.closes_on < self.today
        return review.closed_at is None and not (lapsed and not review.assessments)

    @property
    def progress(self) -> str:
        """How many have submitted, which everyone may know: "2 of 3 submitted"."""
        count = len(self.assessments)
        if self.review.analysts:
            return _(
                "%(count)s of %(total)s submitted", count=count, total=len(self.review.analysts)
            )
        return _("%(count)s submitted", count=count)

    @property
    def spread(self) -> list[tuple[Status, list[IndependentAssessment]]]:
        """Each status the assessments name, with who named it, the most named first."""
        if not self.visible:
            return []
        by_status: dict[Status, list[IndependentAssessment]] = {}
        for item in self.assessments:
            by_status.setdefault(item.status, []).append(item)
        return sorted(
            by_status.items(), key=lambda pair: (-len(pair[1]), list(Status).index(pair[0]))
        )

    @property
    def disagree(self) -> bool:
        return self.visible and len({item.status for item in self.assessments}) > 1

    @property
    def majority(self) -> Status | None:
        """The status more than half of the assessments name, if one does."""
        counts = Counter(item.status for item in self.assessments) if self.visible else Counter()
        total = sum(counts.values())
        return next((status for status, n in counts.items() if n * 2 > total), None)

    @property
    def steps_apart(self) -> int | None:
        """How many steps on the way to implementation the farthest assessments stand apart."""
        steps = [s.step for s in {item.status for item in self.assessments} if s.step is not None]
        return max(steps) - min(steps) if self.visible and len(steps) > 1 else None


def reviews_shown(
    reviews: list[BlindReview], moment: Moment, reader: User, today: dt.date | None = None
) -> list[ReviewShown]:
    return [ReviewShown(review, moment, reader, today or dt.date.today()) for review in reviews]


def visible_condition(
    review: type[BlindReview],
    reader_id: int | ColumnElement[int] | None,
    today: dt.date | ColumnElement[dt.date] | None = None,
) -> ColumnElement[bool]:
    """The SQL condition `ReviewShown.visible` states, for the reader with this id.

    `reader_id` and `today` may be bound parameters, for a statement built once.
    """
    own = aliased(IndependentAssessment)
    return or_(
        review.ended_at.is_not(None),
        review.closed_at.is_not(None),
        review.closes_on < (dt.date.today() if today is None else today),
        select(own.id)
        .where(
            own.review_id == review.id, own.assessor_id == (0 if reader_id is None else reader_id)
        )
        .exists(),
    )


def disagreeing(
    moment: Moment,
    reader_id: int | ColumnElement[int] | None,
    today: dt.date | ColumnElement[dt.date] | None = None,
) -> Select:
    """Select the ids of the recommendations with a review, open or closed, whose assessments
    shown at `moment` disagree, among the reviews whose contents the reader may see."""
    query = (
        select(BlindReview.recommendation_id)
        .join(IndependentAssessment, IndependentAssessment.review_id == BlindReview.id)
        .where(BlindReview.as_of <= moment.as_of, visible_condition(BlindReview, reader_id, today))
        .group_by(BlindReview.id, BlindReview.recommendation_id)
        .having(func.count(func.distinct(IndependentAssessment.status)) > 1)
    )
    if moment.known_before is not None:
        query = query.where(
            BlindReview.opened_at < moment.known_before,
            IndependentAssessment.submitted_at < moment.known_before,
        )
    return query
