from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import HiddenField

from ..db import get_session
from ..form_base import TrackerForm
from ..views import page_from_query
from .blueprint import bp
from .operations import (
    LABELS,
    anchor_of,
    find_watchable,
    list_notifications,
    mark_read,
    unwatch,
    watch,
)

PER_PAGE = 50


class ButtonForm(TrackerForm):
    """A button that posts: its CSRF token, and where to go back to."""

    next = HiddenField()


def back_to(form: ButtonForm, default: str) -> str:
    """Go back to a page of this site only."""
    target = form.next.data or ""
    local = target.startswith("/") and not target.startswith("//")
    # A backslash reads as "/" to some browsers; a line break would end the Location header.
    return target if local and "\\" not in target and target.isprintable() else default


@bp.get("/notifications")
def index() -> ResponseReturnValue:
    """List my notifications, unread ones by default, newest first."""
    db = get_session()
    show_all = request.args.get("show") == "all"
    page = page_from_query()
    items = list_notifications(
        db,
        current_user,
        unread_only=not show_all,
        limit=PER_PAGE + 1,
        offset=(page - 1) * PER_PAGE,
    )
    return render_template(
        "notifications/index.html",
        items=items[:PER_PAGE],
        more=len(items) > PER_PAGE,
        page=page,
        show_all=show_all,
        labels=LABELS,
        anchor_of=anchor_of,
        form=ButtonForm(),
    )


@bp.post("/notifications/read")
def read_all() -> ResponseReturnValue:
    """Mark every notification as read."""
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    count = mark_read(db, current_user)
    db.commit()
    flash(f"{count} notification{'' if count == 1 else 's'} marked as read.", "success")
    return redirect(url_for(".index"))


@bp.post("/notifications/<int:notification_id>/read")
def read(notification_id: int) -> ResponseReturnValue:
    """Mark one notification as read."""
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    mark_read(db, current_user, notification_id)
    db.commit()
    return redirect(back_to(form, url_for(".index")))


@bp.post("/watch/<kind>/<slug>")
def start_watching(kind: str, slug: str) -> ResponseReturnValue:
    """Watch a recommendation, a source, an actor or a theme."""
    return change_watch(kind, slug, start=True)


@bp.post("/unwatch/<kind>/<slug>")
def stop_watching(kind: str, slug: str) -> ResponseReturnValue:
    """Stop watching it."""
    return change_watch(kind, slug, start=False)


def change_watch(kind: str, slug: str, *, start: bool) -> ResponseReturnValue:
    db = get_session()
    target = find_watchable(db, kind, slug)
    if target is None:
        abort(404)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    name = getattr(target, "title", None) or target.name
    if start:
        watch(db, current_user, kind, target)
        message = f"You are watching “{name}”: its changes reach your notifications."
    elif unwatch(db, current_user, kind, target):
        message = f"You no longer watch “{name}”."
    else:
        message = f"You were not watching “{name}”."
    db.commit()
    flash(message, "success")
    return redirect(back_to(form, url_for("dashboard.index")))
