from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from wtforms import Field

from ..db import get_session
from ..models import Comment, Recommendation, StatusUpdate
from ..recommendations.operations import load_recommendation
from ..security import requires
from ..vocabulary import Role
from .blueprint import bp
from .forms import CommentForm, HideForm
from .operations import (
    COMMENTER,
    CommentError,
    add_comment,
    edit_comment,
    find_comment,
    handles_of_colleagues,
    hide_comment,
    may_edit,
)

T = TypeVar("T")


def recommendation_or_404(db: Session, slug: str) -> Recommendation:
    recommendation = load_recommendation(db, slug)
    if recommendation is None:
        abort(404)
    return recommendation


@bp.route("/<slug>/comments", methods=["GET", "POST"], defaults={"update_id": None})
@bp.route("/<slug>/updates/<int:update_id>/comments", methods=["GET", "POST"])
@requires(COMMENTER)
def add(slug: str, update_id: int | None) -> ResponseReturnValue:
    """Comment on a recommendation, or on one of its status updates."""
    db = get_session()
    recommendation = recommendation_or_404(db, slug)
    update = None
    if update_id is not None:
        update = db.get(StatusUpdate, update_id)
        if update is None or update.recommendation_id != recommendation.id:
            abort(404)
    form = CommentForm()
    if form.validate_on_submit():
        written = saved(form.body, lambda: add_comment(
            db, recommendation, author=current_user, body=form.body.data, update=update
        ))  # fmt: skip
        if written is not None:
            return back_to_comment(slug, written, _("Comment added."))
    return render_template(
        "comments/write.html",
        recommendation=recommendation,
        update=update,
        form=form,
        colleagues=handles_of_colleagues(db),
        heading=_("Comment on a status update") if update else _("Comment on this recommendation"),
    ), (400 if form.is_submitted() else 200)


def saved(field: Field, write: Callable[[], T]) -> T | None:
    """Run a write and commit it; on a refusal, roll back and say why beside `field`."""
    db = get_session()
    try:
        result = write()
    except CommentError as error:
        db.rollback()
        field.errors = [str(error)]
        return None
    db.commit()
    return result


def back_to_comment(slug: str, comment: Comment, message: str) -> ResponseReturnValue:
    flash(message, "success")
    return redirect(url_for("recommendations.show", slug=slug, _anchor=f"comment-{comment.id}"))


def comment_or_404(db: Session, recommendation: Recommendation, comment_id: int) -> Comment:
    comment = find_comment(db, recommendation, comment_id)
    if comment is None:
        abort(404)
    return comment


@bp.route("/<slug>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@requires(COMMENTER)
def edit(slug: str, comment_id: int) -> ResponseReturnValue:
    """Edit one's own comment: a new revision; the earlier ones stay visible."""
    db = get_session()
    recommendation = recommendation_or_404(db, slug)
    comment = comment_or_404(db, recommendation, comment_id)
    if not may_edit(current_user, comment):
        abort(403)
    form = CommentForm(data=None if request.method == "POST" else {"body": comment.body})
    if form.validate_on_submit():
        changed = saved(
            form.body, lambda: edit_comment(db, comment, editor=current_user, body=form.body.data)
        )
        if changed is not None:
            message = _("Comment saved; its earlier text stays in its history.")
            return back_to_comment(slug, comment, message if changed else _("Nothing changed."))
    return render_template(
        "comments/write.html",
        recommendation=recommendation,
        comment=comment,
        form=form,
        colleagues=handles_of_colleagues(db),
        heading=_("Edit your comment"),
    )


@bp.route("/<slug>/comments/<int:comment_id>/hide", methods=["GET", "POST"])
@requires(Role.EDITOR)
def hide(slug: str, comment_id: int) -> ResponseReturnValue:
    """Hide a comment with a reason: the page says so; the audit log keeps its text."""
    db = get_session()
    recommendation = recommendation_or_404(db, slug)
    comment = comment_or_404(db, recommendation, comment_id)
    form = HideForm()
    if comment.hidden:
        form.form_errors.append(_("This comment is already hidden."))
    elif form.validate_on_submit():
        hidden = saved(
            form.reason,
            lambda: hide_comment(db, comment, editor=current_user, reason=form.reason.data),
        )
        if hidden is not None:
            return back_to_comment(slug, comment, _("Comment hidden."))
    return render_template(
        "comments/hide.html", recommendation=recommendation, comment=comment, form=form
    )
