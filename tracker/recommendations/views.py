from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..caching import cached_page
from ..catalogue import CatalogueError
from ..charts import TimeScale, describe, segments
from ..db import get_session
from ..editing import EditConflict, actors_by_id, edit_recommendation
from ..forms import refuse_on_form, saved_version
from ..models import Recommendation, StatusUpdate, Theme
from ..security import requires
from ..services import (
    Moment,
    TrackingError,
    correct_status_update,
    judgement_history,
    judgement_of,
    load_recommendation,
    record_status_update,
    retract_status_update,
    revision_at,
    timeline,
)
from ..versions import diff, snapshot
from ..views import moment_from_query, page_from_query, render_history
from ..vocabulary import Confidence, Role, Status
from . import bp
from .forms import CorrectionForm, RecommendationForm, RetractionForm, StatusUpdateForm


def get_recommendation_or_404(slug: str) -> Recommendation:
    recommendation = load_recommendation(get_session(), slug)
    if recommendation is None:
        abort(404)
    return recommendation


TIMELINE_PAGE = 50


@bp.get("/<slug>")
@cached_page
def show(slug: str) -> ResponseReturnValue:
    """Show a recommendation, the source's own words for it, and its history, newest first."""
    db = get_session()
    recommendation = get_recommendation_or_404(slug)
    moment, date_errors = moment_from_query()
    page = page_from_query()
    updates = timeline(
        db, recommendation, moment, limit=TIMELINE_PAGE + 1, offset=(page - 1) * TIMELINE_PAGE
    )
    entries = []
    for update in updates[:TIMELINE_PAGE]:
        shown = revision_at(update, moment)
        if shown is not None and shown.as_of <= moment.as_of:
            entries.append((update, shown))
    history = judgement_history(db, [recommendation.id], moment)[recommendation.id]
    start = min([recommendation.source.published_on, *(day for day, _ in history)])
    scale = TimeScale(start, moment.as_of, width=780, left=10)
    spans = scale.visible(segments(history, start, moment.as_of))
    marks = [(day, f"{status.label} as of {day.isoformat()}") for day, status in history]
    return render_template(
        "recommendations/show.html",
        recommendation=recommendation,
        entries=entries,
        page=page,
        more=len(updates) > TIMELINE_PAGE,
        current=judgement_of(db, recommendation.id, moment),
        moment=moment,
        date_errors=date_errors,
        chart={
            "spans": spans,
            "scale": scale,
            "markers": scale.markers(marks),
            "description": describe(spans),
        },
    )


@bp.route("/<slug>/updates/new", methods=["GET", "POST"])
@requires(Role.ANALYST)
def log_update(slug: str) -> ResponseReturnValue:
    """Log a status update with its evidence; a button adds evidence rows without JavaScript."""
    db = get_session()
    recommendation = get_recommendation_or_404(slug)
    form = StatusUpdateForm()
    if form.add_evidence.data and form.is_submitted():
        if len(form.evidence) < form.evidence.max_entries:
            form.evidence.append_entry()
    elif form.validate_on_submit():
        try:
            record_status_update(
                db,
                recommendation,
                author=current_user,
                status=Status(form.status.data),
                as_of=form.as_of.data,
                assessment=form.assessment.data.strip(),
                confidence=Confidence(form.confidence.data),
                evidence=form.evidence_inputs(),
            )
        except TrackingError as error:
            db.rollback()
            form.form_errors.append(str(error))
        else:
            db.commit()
            flash("Status update logged.", "success")
            return redirect(url_for(".show", slug=slug))
    elif not form.is_submitted():
        current = judgement_of(db, recommendation.id, Moment(dt.date.today()))
        form.status.data = current.status.value if current else None
        form.as_of.data = dt.date.today()
    return render_template(
        "recommendations/log_update.html", recommendation=recommendation, form=form
    )


def get_update_or_404(recommendation: Recommendation, update_id: int) -> StatusUpdate:
    update = get_session().get(StatusUpdate, update_id)
    if update is None or update.recommendation_id != recommendation.id:
        abort(404)
    return update


@bp.route("/<slug>/updates/<int:update_id>/correct", methods=["GET", "POST"])
@requires(Role.ANALYST)
def correct_update(slug: str, update_id: int) -> ResponseReturnValue:
    """Correct an update: a new revision; the earlier ones stay visible."""
    db = get_session()
    recommendation = get_recommendation_or_404(slug)
    update = get_update_or_404(recommendation, update_id)
    if not (current_user.id == update.author_id or current_user.can(Role.EDITOR)):
        abort(403)
    form = CorrectionForm(obj=None if request.method == "POST" else update)
    if form.validate_on_submit():
        try:
            correct_status_update(
                db,
                update,
                editor=current_user,
                status=Status(form.status.data),
                as_of=form.as_of.data,
                assessment=form.assessment.data.strip(),
                confidence=Confidence(form.confidence.data),
                reason=form.reason.data.strip(),
            )
        except TrackingError as error:
            db.rollback()
            form.form_errors.append(str(error))
        else:
            db.commit()
            flash("Correction saved; the earlier revision stays visible.", "success")
            return redirect(url_for(".show", slug=slug, _anchor=f"update-{update.id}"))
    return render_template(
        "recommendations/correct.html", recommendation=recommendation, update=update, form=form
    )


@bp.route("/<slug>/updates/<int:update_id>/retract", methods=["GET", "POST"])
@requires(Role.EDITOR)
def retract_update(slug: str, update_id: int) -> ResponseReturnValue:
    """Retract an update: it stays in the timeline, struck through, and no longer counts."""
    db = get_session()
    recommendation = get_recommendation_or_404(slug)
    update = get_update_or_404(recommendation, update_id)
    form = RetractionForm()
    if form.validate_on_submit():
        try:
            retract_status_update(db, update, editor=current_user, reason=form.reason.data.strip())
        except TrackingError as error:
            db.rollback()
            form.form_errors.append(str(error))
        else:
            db.commit()
            flash("Update retracted.", "success")
            return redirect(url_for(".show", slug=slug, _anchor=f"update-{update.id}"))
    return render_template(
        "recommendations/retract.html", recommendation=recommendation, update=update, form=form
    )


def recommendation_form(recommendation: Recommendation) -> RecommendationForm:
    saved = {
        "version": recommendation.version,
        "title": recommendation.title,
        "summary": recommendation.summary,
        "passage": recommendation.passage,
        "theme": recommendation.theme_id,
        "actors": [actor.id for actor in recommendation.actors],
        "condition": recommendation.condition,
    }
    form = RecommendationForm(data=None if request.method == "POST" else saved)
    form.offer_lists(get_session())
    return form


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@requires(Role.EDITOR)
def edit(slug: str) -> ResponseReturnValue:
    """Edit a recommendation; a save over someone else's newer save is refused, not lost."""
    db = get_session()
    recommendation = get_recommendation_or_404(slug)
    form = recommendation_form(recommendation)
    conflict = None
    if form.validate_on_submit():
        values = {
            "title": form.title.data.strip(),
            "summary": form.summary.data.strip(),
            "passage": form.passage.data.strip(),
            "theme_id": form.theme.data,
            "condition": (form.condition.data or "").strip() or None,
            "actors": actors_by_id(db, form.actors.data),
        }
        try:
            version = edit_recommendation(
                db,
                recommendation,
                editor=current_user,
                expected_version=saved_version(form.version),
                values=values,
            )
        except CatalogueError as error:
            refuse_on_form(db, form, error)
        except (EditConflict, StaleDataError):
            db.rollback()
            recommendation = get_recommendation_or_404(slug)
            saved = snapshot(db, recommendation)
            conflict = {
                "saved": saved,
                "version": recommendation.version,
                "changes": diff(saved, yours(form, db, recommendation)),
            }
            form.version.data = str(recommendation.version)
        else:
            db.commit()
            flash("Saved." if version else "Nothing changed.", "success")
            return redirect(url_for(".show", slug=slug))
    return render_template(
        "recommendations/edit.html", recommendation=recommendation, form=form, conflict=conflict
    )


def yours(
    form: RecommendationForm, db: Session, recommendation: Recommendation
) -> dict[str, object]:
    """Describe what the editor submitted the way versions are described."""
    theme = db.get(Theme, form.theme.data)
    return snapshot(db, recommendation) | {
        "title": form.title.data,
        "summary": form.summary.data,
        "passage": form.passage.data,
        "theme": theme.slug if theme else None,
        "actors": sorted(actor.slug for actor in actors_by_id(db, form.actors.data)),
        "condition": form.condition.data or None,
    }


@bp.get("/<slug>/history")
def history(slug: str) -> ResponseReturnValue:
    """Show every version of a recommendation and what changed between two of them."""
    recommendation = get_recommendation_or_404(slug)
    return render_history(recommendation, recommendation.title, url_for(".show", slug=slug))
