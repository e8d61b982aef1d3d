"""The read API: sources, recommendations with their current status and history, actors, themes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from ..assessments.reading import ReviewShown, load_reviews, reviews_shown
from ..audience import Named, shown_name
from ..caching import cached_page
from ..comments.operations import Shown, comments_for
from ..criteria.checklist import load_criteria, load_marks, marks_in_force
from ..db import get_session
from ..models import Actor, CriterionMark, Recommendation, Source, Theme
from ..moments import Moment
from ..search.results import Hit, search
from ..security import readable
from ..signposts.sightings import signposts_at
from ..standings import DashboardFilters, DashboardRow, Place, dashboard_rows, place
from ..targets.ledger import ledgers
from ..timelines import TimelinePosition, TimelineUpdate, timeline_entries
from ..views import MAX_ID, item_links
from ..vocabulary import Status
from .blueprint import bp
from .openapi import document
from .paging import (
    BAD_CURSOR,
    cursor_from_query,
    keyset_fetch,
    keyset_page,
    limit_from_query,
    next_link,
    offset_page,
)


def link(endpoint: str, **values: Any) -> str:
    """An absolute link: every address the API gives can be followed as it is."""
    return url_for(endpoint, **values, _external=True)


def listing(items: list[dict[str, Any]], next_url: str | None) -> Response:
    return jsonify({"items": items, "next": next_url})


def found_or_404(slug: str) -> Recommendation:
    found = get_session().scalars(select(Recommendation).where(Recommendation.slug == slug)).first()
    if found is None:
        abort(404, description=f"No recommendation has the slug “{slug}”.")
    return found


def filters_from_query() -> DashboardFilters:
    """Read the dashboard's filters; unlike the dashboard, refuse a status it does not know."""
    status = request.args.get("status") or None
    if status is not None and status not in Status._value2member_map_:
        allowed = ", ".join(member.value for member in Status)
        abort(400, description=f"status must be one of: {allowed}.")
    return DashboardFilters(
        source=request.args.get("source") or None,
        theme=request.args.get("theme") or None,
        actor=request.args.get("actor") or None,
        status=Status(status) if status else None,
    )


def current_rows(
    filters: DashboardFilters, limit: int, after: Place | None = None
) -> list[DashboardRow]:
    return dashboard_rows(
        get_session(),
        filters,
        Moment(dt.date.today()),
        review_every_days=current_app.config["REVIEW_EVERY_DAYS"],
        limit=limit,
        after=after,
    )


def place_key(row: DashboardRow) -> list[Any]:
    published, source_id, position = place(row)
    return [published.isoformat(), source_id, position]


def place_from_key(key: list[Any]) -> Place:
    """Read back a key `place_key` gave; any other gets a 400."""
    try:
        published, source_id, position = key
        if not all(type(number) is int for number in (source_id, position)):
            raise ValueError(key)
        return dt.date.fromisoformat(published), source_id, position
    except (TypeError, ValueError):
        abort(400, description=BAD_CURSOR)


@bp.get("/")
@readable
@cached_page
def index() -> ResponseReturnValue:
    """Link every resource of the API, its description, and where to get a token."""
    return jsonify(
        {
            "description": "Tracker's read API: policy recommendations, where each stands, "
            "and the evidenced history behind it. Read-only, JSON, for any account.",
            "openapi": link("api.openapi"),
            "tokens": url_for("tokens.index", _external=True),
            "resources": {
                "sources": link("api.sources"),
                "recommendations": link("api.recommendations"),
                "actors": link("api.actors"),
                "themes": link("api.themes"),
                "forecasters": link("api.forecasters"),
                "search": link("api.search") + "?q=",
            },
            "feeds": {"updates": url_for("feeds.updates", _external=True)},
        }
    )


@bp.get("/openapi.json")
@readable
@cached_page
def openapi() -> ResponseReturnValue:
    """Describe this API in OpenAPI 3."""
    cookie = current_app.session_interface.get_cookie_name(current_app)
    return jsonify(document(link("api.index").rstrip("/"), cookie))


@bp.get("/sources")
@readable
@cached_page
def sources() -> ResponseReturnValue:
    """List the sources, by slug."""
    db = get_session()
    counts = dict(
        db.execute(
            select(Recommendation.source_id, func.count()).group_by(Recommendation.source_id)
        ).all()
    )
    rows = list(db.scalars(select(Source).order_by(Source.slug)))
    page, next_url = keyset_page(rows, lambda source: [source.slug], "api.sources")
    return listing([source_data(source, counts.get(source.id, 0)) for source in page], next_url)


@bp.get("/sources/<source_slug>")
@readable
@cached_page
def source(source_slug: str) -> ResponseReturnValue:
    """Show a source with its recommendations, in their order."""
    found = (
        get_session()
        .scalars(
            select(Source)
            .where(Source.slug == source_slug)
            .options(selectinload(Source.recommendations))
        )
        .first()
    )
    if found is None:
        abort(404, description=f"No source has the slug “{source_slug}”.")
    data = source_data(found, len(found.recommendations))
    data["recommendations"] = [
        {
            "slug": rec.slug,
            "position": rec.position,
            "title": rec.title,
            "url": link("api.recommendation", slug=rec.slug),
        }
        for rec in found.recommendations
    ]
    return jsonify(data)


def source_data(source: Source, count: int) -> dict[str, Any]:
    return {
        "slug": source.slug,
        "kind": source.kind.value,
        "title": source.title,
        "author": source.author,
        "publisher": source.publisher,
        "link": source.url,
        "published_on": source.published_on.isoformat(),
        "date_precision": source.date_precision.value,
        "published": source.published,
        "language": source.language,
        "translations": source.translations,
        "recommendation_count": count,
        "url": link("api.source", source_slug=source.slug),
        "recommendations_url": link("api.recommendations", source=source.slug),
        "page": link("sources.show", slug=source.slug),
    }


@bp.get("/recommendations")
@readable
@cached_page
def recommendations() -> ResponseReturnValue:
    """List recommendations with their current status, filtered as the dashboard is."""
    filters = filters_from_query()
    page, next_url = keyset_fetch(
        lambda after, limit: current_rows(
            filters, limit, None if after is None else place_from_key(after)
        ),
        place_key,
        "api.recommendations",
    )
    links = recommendation_links()
    return listing([recommendation_data(row, links) for row in page], next_url)


@bp.get("/recommendations/<slug>")
@readable
@cached_page
def recommendation(slug: str) -> ResponseReturnValue:
    """Show a recommendation with its current status."""
    rows = current_rows(DashboardFilters(slug=slug), limit=1)
    row = rows[0] if rows else None
    if row is None:
        abort(404, description=f"No recommendation has the slug “{slug}”.")
    return jsonify(recommendation_data(row, recommendation_links()))


def person(user: Named | None) -> dict[str, str] | None:
    """Name a user; programs, like pages, never see another user's e-mail address.

    The public sees analysts as `TRACKER_PUBLIC_AUTHORS` says: by name, by role, or not.
    """
    name = shown_name(user)
    return None if name is None else {"name": name}


# The links each recommendation's data gives, by their names there.
RECOMMENDATION_LINKS = {
    "url": "api.recommendation",
    "updates_url": "api.updates",
    "targets_url": "api.targets",
    "criteria_url": "api.criteria",
    "signposts_url": "api.signposts",
    "blind_reviews_url": "api.blind_reviews",
    "comments_url": "api.comments",
    "page": "recommendations.show",
}


def recommendation_links() -> dict[str, Callable[[str | int], str]]:
    """Each of a recommendation's links, built once for a page of them (`item_links`)."""
    return {
        name: item_links(endpoint, _external=True)
        for name, endpoint in RECOMMENDATION_LINKS.items()
    }


def recommendation_data(
    row: DashboardRow, links: dict[str, Callable[[str | int], str]]
) -> dict[str, Any]:
    rec = row.recommendation
    judgement = row.judgement
    return {
        "slug": rec.slug,
        "position": rec.position,
        "title": rec.title,
        "summary": rec.summary,
        "passage": rec.passage,
        "condition": rec.condition,
        "language": rec.language,
        "translations": rec.translations,
        "source": {"slug": rec.source.slug, "title": rec.source.title},
        "theme": {"slug": rec.theme.slug, "name": rec.theme.name},
        "actors": [{"slug": actor.slug, "name": actor.name} for actor in rec.actors],
        "status": {"value": row.status.value, "label": row.status.label},
        "as_of": judgement.as_of.isoformat() if judgement else None,
        "last_logged_at": row.last_logged_at.isoformat() if row.last_logged_at else None,
        "target_date": row.target.isoformat() if row.target else None,
        "overdue": row.overdue,
        "regressed": row.regressed,
        "owner": person(rec.owner),
        "co_owners": [named for named in map(person, rec.co_owners) if named],
        "review_every_days": rec.review_every_days,
        "due_for_review": row.due,
        "review_due_on": row.due_on.isoformat() if row.due_on else None,
        **{name: link_to(rec.slug) for name, link_to in links.items()},
    }


@bp.get("/recommendations/<slug>/updates")
@readable
@cached_page
def updates(slug: str) -> ResponseReturnValue:
    """List a recommendation's status updates, latest as-of date first, with their evidence."""
    db = get_session()
    found = found_or_404(slug)
    limit = limit_from_query()
    updates = timeline_entries(
        db, found.id, Moment(dt.date.today()), limit=limit + 1, after=timeline_cursor()
    )
    page = updates[:limit]
    next_url = None
    if len(updates) > limit:
        last = page[-1]
        position = [last.as_of.isoformat(), last.created_at.isoformat(), last.id]
        next_url = next_link("api.updates", {"after": position}, slug=slug)
    marks = load_marks(db, [update.id for update in page])
    return listing([update_data(update, marks.get(update.id, [])) for update in page], next_url)


@bp.get("/recommendations/<slug>/criteria")
@cached_page
def criteria(slug: str) -> ResponseReturnValue:
    """List a recommendation's criteria with every version and the verdict in force now."""
    db = get_session()
    found = found_or_404(slug)
    everything = load_criteria(db, found.id)
    marks = marks_in_force(db, found.id, Moment(dt.date.today())) if everything else {}
    page, next_url = keyset_page(
        everything, lambda criterion: [criterion.number], "api.criteria", slug=slug
    )
    items = []
    for criterion in page:
        mark = marks.get(criterion.id)
        latest = criterion.versions[-1]
        items.append(
            {
                "number": criterion.number,
                "kind": criterion.kind.value,
                "text": latest.text,
                "withdrawn": latest.withdrawn,
                "verdict": mark.verdict.value if mark else None,
                "marked_as_of": mark.as_of.isoformat() if mark else None,
                "note": mark.note if mark else None,
                "versions": [
                    {
                        "number": version.number,
                        "text": version.text,
                        "withdrawn": version.withdrawn,
                        "reason": version.reason,
                        "author": {"name": version.author.name},
                        "written_at": version.created_at.isoformat(),
                    }
                    for version in criterion.versions
                ],
            }
        )
    return listing(items, next_url)


@bp.get("/recommendations/<slug>/signposts")
@cached_page
def signposts(slug: str) -> ResponseReturnValue:
    """List a recommendation's signposts, each with its observations, newest first."""
    db = get_session()
    found = found_or_404(slug)
    everything = signposts_at(db, found.id, Moment(dt.date.today()))
    page, next_url = keyset_page(
        everything, lambda item: [item.signpost.number], "api.signposts", slug=slug
    )
    return listing(
        [
            {
                "number": item.signpost.number,
                "event": item.signpost.event,
                "direction": item.signpost.direction.value,
                "diagnosticity": item.signpost.diagnosticity.value,
                "written_at": item.signpost.created_at.isoformat(),
                "seen": bool(item.seen),
                "observations": [
                    {
                        "number": sighting.observation.number,
                        "observed_on": sighting.observation.observed_on.isoformat(),
                        "note": sighting.observation.note,
                        "link": sighting.observation.url,
                        "title": sighting.observation.title,
                        "publisher": sighting.observation.publisher,
                        "grade": sighting.observation.grade,
                        "author": {"name": sighting.observation.author.name},
                        "logged_at": sighting.observation.created_at.isoformat(),
                        "retracted": sighting.retracted,
                        "retraction_reason": sighting.observation.retraction_reason,
                    }
                    for sighting in item.sightings
                ],
            }
            for item in page
        ],
        next_url,
    )


@bp.get("/recommendations/<slug>/targets")
@readable
@cached_page
def targets(slug: str) -> ResponseReturnValue:
    """List a recommendation's target dates as set and changed, the original first."""
    db = get_session()
    found = found_or_404(slug)
    ledger = ledgers(db, [found.id], Moment(dt.date.today())).get(found.id)
    entries = ledger.entries if ledger else []
    page, next_url = keyset_page(entries, lambda entry: [entry.number], "api.targets", slug=slug)
    return listing(
        [
            {
                "number": entry.number,
                "target": entry.target.isoformat(),
                "origin": entry.origin.value,
                "detail": entry.detail,
                "reason": entry.reason,
                "author": person(entry.author),
                "set_at": entry.created_at.isoformat(),
            }
            for entry in page
        ],
        next_url,
    )


@bp.get("/recommendations/<slug>/blind-reviews")
@cached_page
def blind_reviews(slug: str) -> ResponseReturnValue:
    """List a recommendation's blind reviews, newest first; assessments only where the reader
    may see them."""
    db = get_session()
    found = db.scalars(select(Recommendation).where(Recommendation.slug == slug)).first()
    if found is None:
        abort(404, description=f"No recommendation has the slug “{slug}”.")
    moment = Moment(dt.date.today())
    reviews = reviews_shown(load_reviews(db, [found.id], moment), moment, current_user)
    page, next_url = keyset_page(
        reviews, lambda seen: [-seen.review.number], "api.blind_reviews", slug=slug
    )
    return listing([review_data(found, seen) for seen in page], next_url)


def review_data(recommendation: Recommendation, seen: ReviewShown) -> dict[str, Any]:
    """Describe a review as its reader may see it: while blind, its progress alone."""
    review = seen.review
    return {
        "number": review.number,
        "as_of": review.as_of.isoformat(),
        "closes_on": review.closes_on.isoformat() if review.closes_on else None,
        "state": "closed" if seen.closed else "ended" if seen.ended else "open",
        "opened_by": person(review.opened_by),
        "opened_at": review.opened_at.isoformat(),
        "analysts": [person(user) for user in review.analysts],
        "submitted": len(seen.assessments),
        "visible": seen.visible,
        "disagree": seen.disagree if seen.visible else None,
        "assessments": [
            {
                "analyst": person(item.assessor),
                "status": {"value": item.status.value, "label": item.status.label},
                "confidence": item.confidence.value,
                "rationale": item.rationale,
                "evidence": {"link": item.evidence_url, "title": item.evidence_title}
                if item.evidence_url
                else None,
                "submitted_at": item.submitted_at.isoformat(),
            }
            for item in (seen.assessments if seen.visible else [])
        ],
        "consensus_update_id": review.consensus_update_id if seen.closed else None,
        "page": link("assessments.show", slug=recommendation.slug, review_id=review.id),
    }


@bp.get("/recommendations/<slug>/comments")
@cached_page
def comments(slug: str) -> ResponseReturnValue:
    """List the comments on a recommendation and on its updates, oldest first."""
    db = get_session()
    found = db.scalars(select(Recommendation).where(Recommendation.slug == slug)).first()
    if found is None:
        abort(404, description=f"No recommendation has the slug “{slug}”.")
    grouped = comments_for(db, found, None, Moment(dt.date.today()))
    shown = sorted((item for items in grouped.values() for item in items),
                   key=lambda item: item.comment.id)  # fmt: skip
    page, next_url = keyset_page(shown, lambda item: [item.comment.id], "api.comments", slug=slug)
    return listing([comment_record(item) for item in page], next_url)


def comment_record(shown: Shown) -> dict[str, Any]:
    """A comment as the API shows it: a hidden one says so, by whom and why, without its text."""
    comment = shown.comment
    return {
        "id": comment.id,
        "update_id": comment.update_id,
        "author": {"name": comment.author.name, "handle": comment.author.handle},
        "created_at": comment.created_at.isoformat(),
        "hidden": shown.hidden,
        "hidden_at": comment.hidden_at.isoformat() if shown.hidden and comment.hidden_at else None,
        "hidden_reason": comment.hidden_reason if shown.hidden else None,
        "body": None if shown.hidden else shown.revision.body,
        "revisions": [] if shown.hidden else [
            {"number": revision.number, "body": revision.body,
             "author": {"name": revision.author.name}, "at": revision.created_at.isoformat()}
            for revision in shown.revisions
        ],
    }  # fmt: skip


def timeline_cursor() -> TimelinePosition | None:
    """Read where the previous page of a history stopped, paging in the database."""
    position = cursor_from_query()
    if position is None:
        return None
    try:
        as_of, logged_at, update_id = position["after"]
        after = dt.date.fromisoformat(as_of), dt.datetime.fromisoformat(logged_at), int(update_id)
    except (KeyError, TypeError, ValueError, OverflowError):
        abort(400, description=BAD_CURSOR)
    if after[1].tzinfo is None or not 0 < after[2] <= MAX_ID:
        abort(400, description=BAD_CURSOR)
    return after


def update_data(update: TimelineUpdate, marks: list[CriterionMark]) -> dict[str, Any]:
    return {
        "id": update.id,
        "status": {"value": update.status.value, "label": update.status.label},
        "as_of": update.as_of.isoformat(),
        "confidence": update.confidence.value,
        "assessment": update.assessment,
        "author": person(update.author),
        "logged_at": update.created_at.isoformat(),
        "revision": update.revision,
        "approved_at": update.approved_at.isoformat() if update.approved_at else None,
        "corrected_at": update.corrected_at.isoformat() if update.corrected_at else None,
        "retracted_at": update.retracted_at.isoformat() if update.retracted_at else None,
        "retraction_reason": update.retraction_reason,
        "change_reason": update.change_reason,
        "criteria_reason": update.criteria_reason,
        "criteria": [
            {"criterion": mark.criterion.number, "verdict": mark.verdict.value, "note": mark.note}
            for mark in marks
        ],
        "evidence": [
            {
                "link": item.url,
                "title": item.title,
                "publisher": item.publisher,
                "published_on": item.published_on.isoformat() if item.published_on else None,
                "excerpt": item.excerpt,
                "stance": item.stance.value,
                "reliability": item.reliability.value,
                "credibility": item.credibility.value,
                "grade": item.grade,
            }
            for item in update.evidence
        ],
    }


@bp.get("/actors")
@readable
@cached_page
def actors() -> ResponseReturnValue:
    """List whom recommendations are addressed to, by slug."""
    rows = list(get_session().scalars(select(Actor).order_by(Actor.slug)))
    page, next_url = keyset_page(rows, lambda actor: [actor.slug], "api.actors")
    return listing(
        [
            {
                "slug": actor.slug,
                "name": actor.name,
                "recommendations_url": link("api.recommendations", actor=actor.slug),
            }
            for actor in page
        ],
        next_url,
    )


@bp.get("/themes")
@readable
@cached_page
def themes() -> ResponseReturnValue:
    """List the themes, by slug."""
    rows = list(get_session().scalars(select(Theme).order_by(Theme.slug)))
    page, next_url = keyset_page(rows, lambda theme: [theme.slug], "api.themes")
    return listing(
        [
            {
                "slug": theme.slug,
                "name": theme.name,
                "recommendations_url": link("api.recommendations", theme=theme.slug),
            }
            for theme in page
        ],
        next_url,
    )


@bp.get("/search", endpoint="search")
@readable
@cached_page
def search_results() -> ResponseReturnValue:
    """Search recommendations, assessments and evidence, best match first."""
    typed = request.args.get("q")
    if typed is None or len(typed) > 500:
        abort(400, description="q must hold the words to search for (at most 500 characters).")
    query = typed.strip()
    filters = filters_from_query()

    def fetch(limit: int, offset: int) -> list[Hit]:
        if not query:
            return []
        hits, _ = search(
            get_session(),
            query,
            filters,
            review_every_days=current_app.config["REVIEW_EVERY_DAYS"],
            limit=limit,
            offset=offset,
        )
        return hits

    page, next_url = offset_page(fetch, "api.search")
    return listing(
        [
            {
                "kind": hit.kind,
                "recommendation": {
                    "slug": hit.recommendation.slug,
                    "title": hit.recommendation.title,
                    "url": link("api.recommendation", slug=hit.recommendation.slug),
                },
                "status": hit.status.value,
                "update_id": hit.update_id,
                "snippet": str(hit.snippet),
            }
            for hit in page
        ],
        next_url,
    )
