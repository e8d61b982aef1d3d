from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..caching import cached_page
from ..db import get_session
from ..forms import form_notes
from ..models import BlindReview, Recommendation, User
from ..moments import Moment
from ..recommendations.operations import load_recommendation
from ..security import requires
from ..status_updates import ReasonNeeded, TrackingError
from ..views import moment_from_query
from ..vocabulary import Confidence, Role, Status
from .blueprint import bp
from .forms import AssessmentForm, ConsensusForm, EndForm, OpenReviewForm
from .operations import (
    ReviewError,
    check_consensus,
    end_submissions,
    open_review,
    record_consensus,
    submit_assessment,
    unclosed_review,
)
from .reading import ReviewShown, load_review


def recommendation_or_404(slug: str) -> Recommendation:
    recommendation = load_recommendation(get_session(), slug)
    if recommendation is None:
        abort(404)
    return recommendation


def review_or_404(recommendation: Recommendation, review_id: int) -> BlindReview:
    review = load_review(get_session(), recommendation.id, review_id)
    if review is None:
        abort(404)
    return review


def saved(form: AssessmentForm | ConsensusForm, message: str, target: str) -> ResponseReturnValue:
    """Commit the request's writes, say so and what the form changed in what was typed, and
    go on (Post/Redirect/Get)."""
    get_session().commit()
    flash(message, "success")
    for note in form_notes(form):
        flash(note, "info")
    return redirect(target)


def now_shown(review: BlindReview) -> ReviewShown:
    today = dt.date.today()
    return ReviewShown(review, Moment(today), current_user, today)


@bp.route("/<slug>/blind-reviews/new", methods=["GET", "POST"])
@requires(Role.EDITOR)
def open_blind_review(slug: str) -> ResponseReturnValue:
    """Put a recommendation into blind review, naming the analysts asked if only they may."""
    db = get_session()
    recommendation = recommendation_or_404(slug)
    under_way = unclosed_review(db, recommendation)
    form = OpenReviewForm()
    form.offer_analysts(db)
    if form.validate_on_submit():
        try:
            review = open_review(
                db,
                recommendation,
                by=current_user,
                as_of=form.as_of.data,
                closes_on=form.closes_on.data,
                analysts=[db.get_one(User, id_) for id_ in form.analysts.data or []],
            )
        except ReviewError as error:
            db.rollback()
            (getattr(form, error.field).errors if error.field else form.form_errors).append(
                str(error)
            )
        else:
            db.commit()
            flash(
                _("Blind review opened: the analysts asked can submit their assessments."),
                "success",
            )
            return redirect(url_for(".show", slug=slug, review_id=review.id))
    elif not form.is_submitted():
        form.as_of.data = dt.date.today()
    return render_template(
        "assessments/open.html", recommendation=recommendation, form=form, under_way=under_way
    )


def render_review(
    recommendation: Recommendation, review: BlindReview, form: AssessmentForm, **context: object
) -> str:
    moment, date_errors = moment_from_query()
    return render_template(
        "assessments/show.html",
        recommendation=recommendation,
        seen=ReviewShown(review, moment, current_user, dt.date.today()),
        form=form,
        end_form=EndForm(),
        moment=moment,
        date_errors=date_errors,
        **context,
    )


@bp.get("/<slug>/blind-reviews/<int:review_id>")
@cached_page
def show(slug: str, review_id: int) -> ResponseReturnValue:
    """Show a blind review: its progress, the reader's own assessment form, and once the reader
    may see them, everyone's assessments and their spread."""
    recommendation = recommendation_or_404(slug)
    return render_review(recommendation, review_or_404(recommendation, review_id), AssessmentForm())


@bp.post("/<slug>/blind-reviews/<int:review_id>/assess")
@requires(Role.ANALYST)
def assess(slug: str, review_id: int) -> ResponseReturnValue:
    """Submit the analyst's own assessment, once: it cannot be changed afterwards."""
    db = get_session()
    recommendation = recommendation_or_404(slug)
    review = review_or_404(recommendation, review_id)
    if not now_shown(review).asked:
        abort(403)
    form = AssessmentForm()
    if form.validate_on_submit():
        try:
            submit_assessment(
                db,
                review,
                assessor=current_user,
                status=Status(form.status.data),
                confidence=Confidence(form.confidence.data),
                rationale=form.rationale.data,
                evidence_url=form.evidence_url.data,
                evidence_title=form.evidence_title.data,
            )
        except ReviewError as error:
            db.rollback()
            form.form_errors.append(str(error))
            review = review_or_404(recommendation, review_id)
        else:
            return saved(
                form,
                _("Your assessment is submitted: it cannot change; the others' show as they come."),
                url_for(".show", slug=slug, review_id=review_id),
            )
    return render_review(recommendation, review, form)


@bp.post("/<slug>/blind-reviews/<int:review_id>/end")
@requires(Role.EDITOR)
def end(slug: str, review_id: int) -> ResponseReturnValue:
    """End a review's submissions: everyone sees the assessments, the consensus can follow."""
    db = get_session()
    recommendation = recommendation_or_404(slug)
    review = review_or_404(recommendation, review_id)
    if not EndForm().validate_on_submit():
        abort(400)
    try:
        end_submissions(db, review, by=current_user)
    except ReviewError as error:
        db.rollback()
        flash(str(error), "error")
    else:
        db.commit()
        flash(_("Submissions ended: the assessments show to everyone."), "success")
    return redirect(url_for(".show", slug=slug, review_id=review_id))


@bp.route("/<slug>/blind-reviews/<int:review_id>/consensus", methods=["GET", "POST"])
@requires(Role.EDITOR)
def consensus(slug: str, review_id: int) -> ResponseReturnValue:
    """Record the consensus as the official status update, linked to the assessments it
    settles; it closes the review."""
    db = get_session()
    recommendation = recommendation_or_404(slug)
    review = review_or_404(recommendation, review_id)
    try:
        check_consensus(review, dt.date.today())
    except ReviewError as error:
        flash(str(error), "error")
        return redirect(url_for(".show", slug=slug, review_id=review_id))
    form = ConsensusForm()
    if not form.change_evidence_rows() and form.validate_on_submit():
        try:
            update = record_consensus(
                db,
                review,
                editor=current_user,
                status=Status(form.status.data),
                assessment=form.assessment.data.strip(),
                confidence=Confidence(form.confidence.data),
                evidence=form.evidence_inputs(),
                change_reason=form.change_reason.data,
            )
        except ReasonNeeded as error:
            db.rollback()
            form.change_reason.errors = [str(error)]
            review = review_or_404(recommendation, review_id)
        except (TrackingError, ReviewError) as error:
            db.rollback()
            form.form_errors.append(str(error))
            review = review_or_404(recommendation, review_id)
        else:
            return saved(
                form,
                _("Consensus recorded as the official status update; the review is closed."),
                url_for("recommendations.show", slug=slug, _anchor=f"update-{update.id}"),
            )
    seen = now_shown(review)
    if not form.is_submitted() and seen.majority is not None:
        form.status.data = seen.majority.value
    return render_template(
        "assessments/consensus.html", recommendation=recommendation, seen=seen, form=form
    )
