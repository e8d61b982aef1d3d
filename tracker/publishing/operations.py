"""What the public site reads: bylines, canonical addresses, the review queue, the sitemap."""

from __future__ import annotations

from flask import current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..i18n import LANGUAGES
from ..models import Recommendation, Source, StatusUpdate


def canonical_url(**values: str | None) -> str:
    """This page's one address: at `TRACKER_BASE_URL` when set, without its query.

    A page read in a language its address chose (`?lang=ar`) keeps that choice: it is a page
    of its own. `values` choose another (`lang="en"`), for the page's `language_alternates`.
    """
    endpoint = request.endpoint
    path = url_for(endpoint, **(request.view_args or {}), **values) if endpoint else "/"
    base = current_app.config.get("BASE_URL")
    return f"{base.rstrip('/')}{path}" if base else f"{request.host_url.rstrip('/')}{path}"


def language_alternates() -> list[tuple[str, str]]:
    """This page in each language (`hreflang`), and the address that lets the browser choose."""
    if request.endpoint is None:
        return []
    alternates = [(code, canonical_url(lang=code)) for code in LANGUAGES]
    return [*alternates, ("x-default", canonical_url(lang=None))]


def awaiting_review(session: Session) -> list[StatusUpdate]:
    """Updates not yet approved nor retracted, oldest first, with what the queue shows."""
    return list(
        session.scalars(
            select(StatusUpdate)
            .where(StatusUpdate.approved_at.is_(None), StatusUpdate.retracted_at.is_(None))
            .order_by(StatusUpdate.created_at, StatusUpdate.id)
            .options(
                joinedload(StatusUpdate.author),
                joinedload(StatusUpdate.recommendation).joinedload(Recommendation.source),
            )
        )
    )


def in_published_source(session: Session, update: StatusUpdate) -> bool:
    """Whether the public may see `update`'s recommendation: its source is published."""
    published = session.scalar(
        select(Source.published)
        .join(Recommendation, Recommendation.source_id == Source.id)
        .where(Recommendation.id == update.recommendation_id)
    )
    return bool(published)


def sitemap_entries(session: Session) -> list[tuple[str, object]]:
    """Every published source and recommendation, with when it last changed."""
    # Published only, whoever asks: the sitemap is for search engines.
    sources = session.execute(
        select(Source.slug, Source.updated_at).where(Source.published).order_by(Source.id)
    )
    recommendations = session.execute(
        select(Recommendation.slug, Recommendation.updated_at)
        .join(Source)
        .where(Source.published)
        .order_by(Recommendation.id)
    )
    return [
        *((url_for("sources.show", slug=slug, _external=True), at) for slug, at in sources),
        *(
            (url_for("recommendations.show", slug=slug, _external=True), at)
            for slug, at in recommendations
        ),
    ]
