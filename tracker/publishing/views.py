from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ..caching import cached_page
from ..db import get_session
from ..models import StatusUpdate
from ..moments import Moment, judgement_of
from ..notifications.views import ButtonForm, back_to
from ..recommendations.operations import load_recommendation
from ..security import embeddable, public, readable, requires
from ..status_updates import TrackingError, approve_status_update
from ..vocabulary import Role, Status
from .blueprint import bp
from .operations import awaiting_review, in_published_source, sitemap_entries

# What a badge's right half is coloured for each status: the dashboard's colours, darkened
# where white text needs it (WCAG AA contrast).
BADGE_COLOURS = {
    Status.NOT_ASSESSED: "#5b6472",
    Status.NO_ACTION: "#8a2a30",
    Status.IN_PROGRESS: "#1d5fb4",
    Status.PARTIAL: "#3d7a21",
    Status.IMPLEMENTED: "#1f6b34",
    Status.STALLED: "#8a6100",
    Status.CONTRADICTED: "#a4161a",
    Status.OVERTAKEN: "#5b3a8f",
}


@bp.get("/robots.txt")
@public
@readable
def robots() -> ResponseReturnValue:
    """Let search engines in when the site is public, and keep them out otherwise."""
    if current_app.config["PUBLIC"]:
        lines = [
            "User-agent: *",
            "Allow: /",
            "Disallow: /login",
            "Disallow: /embed/",
            f"Sitemap: {url_for('.sitemap', _external=True)}",
        ]
    else:
        lines = ["User-agent: *", "Disallow: /"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/sitemap.xml")
@public
@readable
def sitemap() -> ResponseReturnValue:
    """List the public site's pages: the dashboard, the sources, every published one."""
    if not current_app.config["PUBLIC"]:
        abort(404)
    pages = [
        (url_for("dashboard.index", _external=True), None),
        (url_for("sources.index", _external=True), None),
        (url_for("logs.corrections", _external=True), None),
        *sitemap_entries(get_session()),
    ]
    body = render_template("publishing/sitemap.xml", pages=pages)
    return Response(body, mimetype="application/xml")


def recommendation_or_404(slug: str):  # type: ignore[no-untyped-def]
    recommendation = load_recommendation(get_session(), slug)
    if recommendation is None:
        abort(404)
    return recommendation


@bp.get("/recommendations/<slug>/badge.svg")
@embeddable
@cached_page
def badge(slug: str) -> ResponseReturnValue:
    """A recommendation's current status as a small SVG badge, for other sites to show."""
    recommendation = recommendation_or_404(slug)
    current = judgement_of(get_session(), recommendation.id, Moment(dt.date.today()))
    status = current.status if current else Status.NOT_ASSESSED
    label, value = _("status"), status.label
    # Verdana 11px averages under 7px a character; the halves are padded by 6px each side.
    left, right = 6 * len(label) + 12, 7 * len(value) + 12
    body = render_template(
        "publishing/badge.svg",
        recommendation=recommendation,
        status=status,
        as_of=current.as_of if current else None,
        label=label,
        value=value,
        left=left,
        right=right,
        colour=BADGE_COLOURS[status],
    )
    return Response(body, mimetype="image/svg+xml")


@bp.get("/embed/recommendations/<slug>")
@embeddable
@cached_page
def card(slug: str) -> ResponseReturnValue:
    """A recommendation's card, laid out for an iframe on a think tank's own site."""
    recommendation = recommendation_or_404(slug)
    current = judgement_of(get_session(), recommendation.id, Moment(dt.date.today()))
    return render_template(
        "publishing/card.html",
        recommendation=recommendation,
        status=current.status if current else Status.NOT_ASSESSED,
        current=current,
    )


@bp.get("/review")
@requires(Role.EDITOR)
def queue() -> ResponseReturnValue:
    """The updates awaiting an editor's approval before the public sees them."""
    return render_template(
        "publishing/queue.html", updates=awaiting_review(get_session()), form=ButtonForm()
    )


@bp.post("/review/<int:update_id>/approve")
@requires(Role.EDITOR)
def approve(update_id: int) -> ResponseReturnValue:
    """Approve an update for the public: an editor other than its author."""
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    update = db.get(StatusUpdate, update_id)
    if update is None:
        abort(404)
    try:
        approve_status_update(db, update, editor=current_user)
    except TrackingError as error:
        db.rollback()
        flash(str(error), "error")
    else:
        db.commit()
        flash(approved_message(db, update), "success")
    return redirect(back_to(form, url_for(".queue")))


def approved_message(db: Session, update: StatusUpdate) -> str:
    """Say what an approval did: the public sees the update only on a public site's
    published source."""
    if not current_app.config["PUBLIC"]:
        return _("Approved. The site is not public: nobody outside sees the update.")
    if not in_published_source(db, update):
        return _("Approved: the public will see this update once its source is published.")
    return _("Approved: the public sees this update now.")
