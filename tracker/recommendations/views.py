from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..assessments.reading import load_reviews, reviews_shown
from ..caching import cached_page
from ..cadence import review_state
from ..catalogue import CatalogueError
from ..charts import timeline as timeline_chart
from ..charts import window_from, window_start
from ..comments.forms import CommentForm
from ..comments.operations import comments_for, handles_of_colleagues, may_comment
from ..criteria.checklist import checklist, criteria_in_force, load_criteria, load_marks
from ..db import get_session
from ..forecasts.forms import ForecastForm
from ..forecasts.scoring import board_of
from ..forms import (
    TRANSLATED_FIELDS,
    form_notes,
    refuse_on_form,
    saved_version,
    show_translations,
    translations_from,
)
from ..lists.operations import actors_by_id
from ..models import Recommendation, StatusUpdate, Theme, User
from ..moments import Moment, chart_history, judgement_of, revision_at
from ..notifications.operations import active_watch
from ..notifications.views import ButtonForm
from ..recommendations.operations import (
    assign_owners,
    edit_recommendation,
    load_recommendation,
    may_own,
    may_review,
    record_review,
    take_recommendation,
)
from ..security import readable, requires
from ..signposts.sightings import signposts_at
from ..status_updates import (
    CriteriaReasonNeeded,
    ReasonNeeded,
    TrackingError,
    correct_status_update,
    record_status_update,
    retract_status_update,
)
from ..targets.ledger import ledgers
from ..timelines import reviews_between, timeline_entries
from ..versions import EditConflict, diff, snapshot
from ..views import moment_from_query, page_from_query, render_history
from ..vocabulary import Confidence, Role, Status
from .blueprint import bp
from .drawing import TimelineDrawing
from .forms import (
    CorrectionForm,
    OwnersForm,
    RecommendationForm,
    RetractionForm,
    ReviewForm,
    StatusUpdateForm,
    TakeForm,
)


def get_recommendation_or_404(slug: str, *, shown: bool = True) -> Recommendation:
    recommendation = load_recommendation(get_session(), slug, shown=shown)
    if recommendation is None:
        abort(404)
    return recommendation


TIMELINE_PAGE = 50


@bp.get("/<slug>")
@readable
@cached_page
def show(slug: str) -> ResponseReturnValue:
    """Show a recommendation, the source's own words for it, and its history, newest first."""
    db = get_session()
    recommendation = get_recommendation_or_404(slug)
    moment, date_errors = moment_from_query()
    page = page_from_query()
    updates = timeline_entries(
        db, recommendation.id, moment, limit=TIMELINE_PAGE + 1, offset=(page - 1) * TIMELINE_PAGE
    )
    entries = []
    for update in updates[:TIMELINE_PAGE]:
        shown = revision_at(update, moment)
        if shown is not None and shown.as_of <= moment.as_of:
            entries.append((update, shown))
    # The reviews that fall among this page's updates, by date: all of them on a single page.
    newest = entries[0][1].as_of if page > 1 and entries else None
    oldest = entries[-1][1].as_of if len(updates) > TIMELINE_PAGE and entries else None
    reviews = reviews_between(db, recommendation, moment, newest=newest, oldest=oldest)
    items = sorted(
        [("update", shown.as_of, update.created_at, (update, shown)) for update, shown in entries]
        + [("review", review.checked_on, review.created_at, review) for review in reviews],
        key=lambda item: (item[1], item[2]),
        reverse=True,
    )
    window = window_from(request.args.get("window"))
    # Only the judgements the chart's window shows are read, and what came before summed up.
    history = chart_history(
        db, recommendation.id, moment, window_start(dt.date.min, moment.as_of, window)
    )
    published = recommendation.source.published_on
    first = min(published, history.first or published)
    labels = {status: status.label for status in {status for _, status in history.judgements}}
    chart = timeline_chart(
        [(dt.date.min, history.before)] + history.judgements
        if history.before
        else history.judgements,
        first,
        moment.as_of,
        window=window,
        marks=[
            (day, f"{labels[status]} as of {day.isoformat()}") for day, status in history.judgements
        ],
        since=history.since or min(first, moment.as_of),
    )
    current = judgement_of(db, recommendation.id, moment)
    ledger = ledgers(db, [recommendation.id], moment).get(recommendation.id)
    status = current.status if current else Status.NOT_ASSESSED
    inside = current_user.is_authenticated
    reviews = reviews_shown(load_reviews(db, [recommendation.id], moment), moment, current_user)
    commenting = moment.is_now and may_comment(current_user)
    marks = load_marks(db, [update.id for update, _ in entries])
    consensus_of = {seen.review.consensus_update_id: seen for seen in reviews if seen.closed}
    approve_form = inside and ButtonForm()
    reviewing = current_app.config["PUBLIC"] and current_app.config["PUBLIC_REVIEW"]
    return render_template(
        "recommendations/show.html",
        recommendation=recommendation,
        items=items,
        review=review_state(db, recommendation, moment, current_app.config["REVIEW_EVERY_DAYS"]),
        may_review=may_review(current_user, recommendation),
        may_take=recommendation.owner_id is None and may_own(current_user),
        # A form's CSRF token starts a session: a public reader gets none, and no cookie.
        take_form=inside and TakeForm(data={"version": recommendation.version}),
        watching=current_user.is_authenticated
        and active_watch(db, current_user, "recommendation", recommendation.id) is not None,
        watch_form=inside and ButtonForm(),
        timeline_drawing=TimelineDrawing(
            recommendation.slug,
            reader_id=current_user.id,
            editor=current_user.can(Role.EDITOR),
            now=moment.is_now,
            reviewing=reviewing,
            # None where CSRF is off (tests), as the field then is.
            approve_token=approve_form.csrf_token()
            if approve_form and approve_form.meta.csrf
            else None,
            consensus_of=consensus_of,
            marks=marks,
        ),
        page=page,
        more=len(updates) > TIMELINE_PAGE,
        current=current,
        checklist=checklist(db, recommendation.id, moment),
        signposts=signposts_at(db, recommendation.id, moment),
        ledger=ledger,
        overdue=ledger is not None and ledger.overdue(status, moment.as_of),
        moment=moment,
        date_errors=date_errors,
        chart=chart,
        reviews=reviews,
        forecasts=board_of(db, recommendation.id, moment),
        forecast_form=ForecastForm() if current_user.can(Role.ANALYST) else None,
        comments=comments_for(db, recommendation, [update.id for update, _ in entries], moment),
        commenting=commenting,
        comment_form=CommentForm(formdata=None) if commenting else None,
        colleagues=handles_of_colleagues(db) if commenting else [],
    )


@bp.route("/<slug>/updates/new", methods=["GET", "POST"])
@requires(Role.ANALYST)
def log_update(slug: str) -> ResponseReturnValue:
    """Log a status update with its evidence; a button adds evidence rows without JavaScript."""
    db = get_session()
    form = StatusUpdateForm()
    if not form.change_evidence_rows() and form.validate_on_submit():
        # Writing needs the recommendation's row, not what its page shows.
        recommendation = get_recommendation_or_404(slug, shown=False)
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
                change_reason=form.change_reason.data,
                marks=form.mark_inputs(),
                criteria_reason=form.criteria_reason.data,
            )
        except ReasonNeeded as error:
            db.rollback()
            form.change_reason.errors = [str(error)]
        except CriteriaReasonNeeded as error:
            db.rollback()
            form.criteria_reason.errors = [str(error)]
        except TrackingError as error:
            db.rollback()
            form.form_errors.append(str(error))
        else:
            db.commit()
            flash(_("Status update logged."), "success")
            for note in form_notes(form):
                flash(note, "info")
            return redirect(url_for(".show", slug=slug))
    # Only the form shown needs these: a saved update is not shown again.
    recommendation = get_recommendation_or_404(slug)
    criteria = dict(
        (criterion.id, (criterion, version))
        for criterion, version in criteria_in_force(
            load_criteria(db, recommendation.id), Moment(dt.date.today())
        )
    )
    if not form.is_submitted():
        current = judgement_of(db, recommendation.id, Moment(dt.date.today()))
        form.status.data = current.status.value if current else None
        form.as_of.data = dt.date.today()
        for criterion_id in criteria:
            form.marks.append_entry({"criterion": criterion_id})
    return render_template(
        "recommendations/log_update.html",
        recommendation=recommendation,
        form=form,
        criteria=criteria,
    )


def get_update_or_404(recommendation: Recommendation, update_id: int) -> StatusUpdate:
    update = get_session().get(
        StatusUpdate, update_id, options=[selectinload(StatusUpdate.evidence)]
    )
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
    form = CorrectionForm(data=None if request.method == "POST" else CorrectionForm.saved(update))
    if not form.change_evidence_rows() and form.validate_on_submit():
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
                evidence=form.corrected_evidence(),
            )
        except TrackingError as error:
            db.rollback()
            form.form_errors.append(str(error))
        else:
            db.commit()
            flash(_("Correction saved; the earlier revision stays visible."), "success")
            for note in form_notes(form):
                flash(note, "info")
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
            flash(_("Update retracted."), "success")
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
    if request.method != "POST":
        show_translations(form, recommendation.translations)
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
            "translations": translations_from(form, TRANSLATED_FIELDS, recommendation.language),
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
            flash(_("Saved.") if version else _("Nothing changed."), "success")
            return redirect(url_for(".show", slug=slug))
    return render_template(
        "recommendations/edit.html", recommendation=recommendation, form=form, conflict=conflict
    )


def yours(
    form: RecommendationForm, db: Session, recommendation: Recommendation
) -> dict[str, object]:
    """Describe what the editor submitted the way versions are described."""
    theme = db.get(Theme, form.theme.data)
    saved = {key: value for key, value in snapshot(db, recommendation).items() if ":" not in key}
    return (
        saved
        | {
            "title": form.title.data,
            "summary": form.summary.data,
            "passage": form.passage.data,
            "theme": theme.slug if theme else None,
            "actors": sorted(actor.slug for actor in actors_by_id(db, form.actors.data)),
            "condition": form.condition.data or None,
        }
        | language_snapshot_of(recommendation, form)
    )


def language_snapshot_of(
    recommendation: Recommendation, form: RecommendationForm
) -> dict[str, str]:
    """The translations the editor submitted, described as versions describe them."""
    texts = translations_from(form, TRANSLATED_FIELDS, recommendation.language)
    return {
        f"{field}:{code}": text for code, found in texts.items() for field, text in found.items()
    }


@bp.get("/<slug>/history")
def history(slug: str) -> ResponseReturnValue:
    """Show every version of a recommendation and what changed between two of them."""
    recommendation = get_recommendation_or_404(slug)
    return render_history(recommendation, recommendation.title, url_for(".show", slug=slug))


@bp.route("/<slug>/owners", methods=["GET", "POST"])
@requires(Role.EDITOR)
def owners(slug: str) -> ResponseReturnValue:
    """Assign a recommendation's owner and co-owners, and set its own review cadence."""
    db = get_session()
    recommendation = get_recommendation_or_404(slug)
    saved = {
        "version": recommendation.version,
        "owner": recommendation.owner_id or 0,
        "co_owners": [user.id for user in recommendation.co_owners],
        "review_every_days": recommendation.review_every_days,
    }
    form = OwnersForm(data=None if request.method == "POST" else saved)
    form.offer_people(db)
    if form.validate_on_submit():
        try:
            version = assign_owners(
                db,
                recommendation,
                editor=current_user,
                owner=db.get(User, form.owner.data) if form.owner.data else None,
                co_owners=[db.get_one(User, id_) for id_ in form.co_owners.data or []],
                review_every_days=form.review_every_days.data,
                expected_version=saved_version(form.version),
            )
        except CatalogueError as error:
            refuse_on_form(db, form, error)
        except (EditConflict, StaleDataError):
            db.rollback()
            form.form_errors.append(
                _(
                    "Someone changed this recommendation while you were assigning it: "
                    "nothing was saved. Look at its owners below and save again."
                )
            )
            recommendation = get_recommendation_or_404(slug)
            form.version.data = str(recommendation.version)
        else:
            db.commit()
            flash(_("Owners saved.") if version else _("Nothing changed."), "success")
            return redirect(url_for(".show", slug=slug))
    return render_template("recommendations/owners.html", recommendation=recommendation, form=form)


@bp.post("/<slug>/take")
@requires(Role.ANALYST)
def take(slug: str) -> ResponseReturnValue:
    """Make the analyst the owner of a recommendation nobody owns."""
    db = get_session()
    recommendation = get_recommendation_or_404(slug)
    form = TakeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        take_recommendation(
            db, recommendation, analyst=current_user, expected_version=saved_version(form.version)
        )
    except (CatalogueError, EditConflict, StaleDataError) as error:
        db.rollback()
        message = (
            str(error)
            if isinstance(error, CatalogueError)
            else _("Someone changed this recommendation meanwhile: look again before taking it.")
        )
        flash(message, "error")
    else:
        db.commit()
        flash(_("You own this recommendation now."), "success")
    return redirect(url_for(".show", slug=slug))


@bp.route("/<slug>/reviews/new", methods=["GET", "POST"])
@requires(Role.ANALYST)
def review(slug: str) -> ResponseReturnValue:
    """Record "re-checked, no change": the review clock restarts, the status stays."""
    db = get_session()
    recommendation = get_recommendation_or_404(slug)
    if not may_review(current_user, recommendation):
        abort(403)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            record_review(
                db,
                recommendation,
                reviewer=current_user,
                checked_on=form.checked_on.data,
                note=(form.note.data or "").strip(),
                evidence_url=(form.evidence_url.data or "").strip() or None,
                evidence_title=(form.evidence_title.data or "").strip() or None,
            )
        except CatalogueError as error:
            refuse_on_form(db, form, error)
        else:
            db.commit()
            flash(_("Re-check recorded: the status stays as it was."), "success")
            return redirect(url_for(".show", slug=slug))
    elif not form.is_submitted():
        form.checked_on.data = dt.date.today()
    return render_template("recommendations/review.html", recommendation=recommendation, form=form)
