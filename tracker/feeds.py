"""Atom feeds of newly logged status updates: all of them, a source's, a recommendation's.

Feeds need a login like every page. Feed readers, which cannot log in, send a personal API
token instead: `Authorization: Bearer <token>`, or `?token=<token>` on the feed's address.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import Unauthorized

from .audience import shown_name
from .caching import cached_page
from .db import get_session
from .i18n import local_date
from .models import Recommendation, Source, StatusUpdate, utcnow
from .security import readable
from .templating import render_markdown, translated
from .text import without_refused as xml_text

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

ENTRIES = 50


@bp.get("/updates.atom")
@readable
@cached_page
def updates() -> ResponseReturnValue:
    """Show the status updates logged last, on any recommendation."""
    return feed(
        select(StatusUpdate),
        title=_("Tracker: new status updates"),
        page=url_for("dashboard.index", _external=True),
    )


@bp.get("/sources/<source_slug>.atom")
@readable
@cached_page
def source(source_slug: str) -> ResponseReturnValue:
    """Show the status updates logged last on a source's recommendations."""
    found = get_session().scalars(select(Source).where(Source.slug == source_slug)).first()
    if found is None:
        abort(404)
    return feed(
        select(StatusUpdate)
        .join(StatusUpdate.recommendation)
        .where(Recommendation.source_id == found.id),
        title=_("Tracker: new status updates on “%(title)s”", title=translated(found, "title")),
        page=url_for("sources.show", slug=found.slug, _external=True),
    )


@bp.get("/recommendations/<slug>.atom")
@readable
@cached_page
def recommendation(slug: str) -> ResponseReturnValue:
    """Show the status updates logged last on one recommendation."""
    found = get_session().scalars(select(Recommendation).where(Recommendation.slug == slug)).first()
    if found is None:
        abort(404)
    return feed(
        select(StatusUpdate).where(StatusUpdate.recommendation_id == found.id),
        title=_("Tracker: new status updates on “%(title)s”", title=translated(found, "title")),
        page=url_for("recommendations.show", slug=found.slug, _external=True),
    )


def feed(query: Select[tuple[StatusUpdate]], *, title: str, page: str) -> Response:
    rows = list(
        get_session().scalars(
            query.order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc())
            .limit(ENTRIES)
            .options(
                joinedload(StatusUpdate.recommendation),
                joinedload(StatusUpdate.author),
                selectinload(StatusUpdate.evidence),
            )
        )
    )
    # The feed's own address, without any token a reader sent in it.
    address = url_for(
        request.endpoint or "feeds.updates", **(request.view_args or {}), _external=True
    )
    from feedgen.feed import FeedGenerator  # and lxml: loaded by the first feed drawn

    generator = FeedGenerator()
    generator.id(address)
    # Text stored before control characters were refused must not break the feed (XML).
    generator.title(xml_text(title))
    generator.author({"name": "Tracker"})
    generator.link(href=address, rel="self", type="application/atom+xml")
    generator.link(href=page, rel="alternate", type="text/html")
    generator.updated(max((changed(update) for update in rows), default=utcnow()))
    host = request.host.split(":")[0]
    for update in rows:
        rec = update.recommendation
        entry = generator.add_entry(order="append")
        entry.id(f"tag:{host},{update.created_at.date().isoformat()}:status-update/{update.id}")
        words = {"title": translated(rec, "title"), "status": update.status.label}
        words["day"] = local_date(update.as_of)
        if update.retracted:
            heading = _("Retracted: %(title)s: %(status)s as of %(day)s", **words)
        else:
            heading = _("%(title)s: %(status)s as of %(day)s", **words)
        entry.title(xml_text(heading))
        entry.updated(changed(update))
        entry.published(update.created_at)
        entry.author({"name": xml_text(shown_name(update.author) or "Tracker")})
        entry.link(
            href=url_for("recommendations.show", slug=rec.slug, _external=True)
            + f"#update-{update.id}",
            rel="alternate",
            type="text/html",
        )
        grades = ", ".join(f"{item.grade} {item.publisher}" for item in update.evidence)
        summary = _(
            "%(status)s (%(confidence)s confidence). Evidence: %(grades)s.",
            status=update.status.label,
            confidence=update.confidence.label,
            grades=grades,
        )
        entry.summary(xml_text(summary))
        entry.content(xml_text(str(render_markdown(update.assessment))), type="html")
    response = Response(generator.atom_str(pretty=True), mimetype="application/atom+xml")
    response.add_etag()
    return response.make_conditional(request)


def changed(update: StatusUpdate):  # type: ignore[no-untyped-def]
    """When an update last changed: logged, corrected or retracted."""
    return max(t for t in (update.created_at, update.corrected_at, update.retracted_at) if t)


@bp.errorhandler(Unauthorized)
def unauthorized(error: Unauthorized) -> ResponseReturnValue:
    """Tell a feed reader in plain words that its token does not work."""
    return Response(
        f"{error.description}\n",
        401,
        {"WWW-Authenticate": 'Bearer realm="tracker"'},
        mimetype="text/plain",
    )
