from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import HiddenField

from ..db import get_session
from ..form_base import TrackerForm
from ..security import keyed
from ..views import local_address, page_from_query
from .blueprint import bp
from .feed import current_address, new_address, notifications_atom, stop_address, user_for_secret
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
    return local_address(form.next.data, default)


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
    flash(
        ngettext(
            "%(num)s notification marked as read.", "%(num)s notifications marked as read.", count
        ),
        "success",
    )
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
        message = _("You are watching “%(name)s”: its changes reach your notifications.", name=name)
    elif unwatch(db, current_user, kind, target):
        message = _("You no longer watch “%(name)s”.", name=name)
    else:
        message = _("You were not watching “%(name)s”.", name=name)
    db.commit()
    flash(message, "success")
    return redirect(back_to(form, url_for("dashboard.index")))


FEED_ENTRIES = 50


@bp.get("/notifications/feed")
def feed_settings() -> ResponseReturnValue:
    """Say whether my private feed address is on, and offer to make a new one."""
    return feed_page(secret=None)


def feed_page(secret: str | None) -> str:
    return render_template(
        "notifications/feed.html",
        address=current_address(get_session(), current_user),
        feed_url=url_for(".feed", secret=secret, _external=True) if secret else None,
        form=ButtonForm(formdata=None),
    )


@bp.post("/notifications/feed/new")
def new_feed_address() -> ResponseReturnValue:
    """Make a new private address, shown this once; the one before stops working."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    db = get_session()
    secret = new_address(db, current_user)
    db.commit()
    return feed_page(secret=secret)


@bp.post("/notifications/feed/stop")
def stop_feed_address() -> ResponseReturnValue:
    """Stop my private address: it answers 404 from now on."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    db = get_session()
    stopped = stop_address(db, current_user)
    db.commit()
    flash(_("Your feed address no longer works.") if stopped else _("You had no feed address."),
          "success")  # fmt: skip
    return redirect(url_for(".feed_settings"))


@bp.get("/feeds/notifications/<secret>.atom")
@keyed
def feed(secret: str) -> ResponseReturnValue:
    """My notifications, newest first, for a feed reader: the secret in the address is the key."""
    db = get_session()
    user = user_for_secret(db, secret)
    if user is None:
        abort(404)
    items = list_notifications(db, user, unread_only=False, limit=FEED_ENTRIES)
    body = notifications_atom(
        items,
        address=url_for(".feed", secret=secret, _external=True),
        page=url_for(".index", show="all", _external=True),
        host=request.host.split(":")[0],
        link_of={
            item.id: url_for(
                "recommendations.show",
                slug=item.recommendation.slug,
                _anchor=anchor_of(item),
                _external=True,
            )
            for item in items
        },  # fmt: skip
    )
    response = Response(body, mimetype="application/atom+xml")
    # The address is a secret: no referrer carries it on, no shared cache keeps the feed.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.add_etag()
    return response.make_conditional(request)
