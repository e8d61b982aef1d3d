"""Write the database, or part of it, in the exchange formats."""

from __future__ import annotations

import csv
import json
from collections.abc import Collection
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import (
    Actor,
    CriterionMark,
    Evidence,
    Recommendation,
    Source,
    StatusRevision,
    StatusUpdate,
    Theme,
    User,
)
from ..status_updates import EvidenceInput
from ..vocabulary import RevisionKind
from .assessments import load_blind_reviews, review_authors, review_records
from .comments import comment_authors, comment_records
from .criteria import criterion_authors, criterion_records
from .forecasts import forecast_records
from .formats import (
    CSV_COLUMNS,
    EVIDENCE_FIELDS,
    FORMAT,
    VERSION,
    derived_key,
    neutralise,
    timestamp,
)
from .signposts import signpost_authors, signpost_records
from .targets import target_authors, target_records


def update_key(update: StatusUpdate) -> str:
    """Return the key an update is exported under (needs its recommendation and author)."""
    return update.import_key or derived_key(
        update.recommendation.slug, update.author.email, update.created_at
    )


# What an export shows of an update, loaded with it.
EXPORTED = (
    joinedload(StatusUpdate.recommendation),
    joinedload(StatusUpdate.author),
    joinedload(StatusUpdate.approved_by),
    selectinload(StatusUpdate.evidence),
    selectinload(StatusUpdate.revisions).joinedload(StatusRevision.author),
    selectinload(StatusUpdate.marks).joinedload(CriterionMark.criterion),
)


def load_updates(
    session: Session, recommendation_ids: Collection[int] | None = None
) -> list[StatusUpdate]:
    """Load updates with what an export shows, in the exports' order."""
    query = select(StatusUpdate).options(*EXPORTED)
    if recommendation_ids is not None:
        query = query.where(StatusUpdate.recommendation_id.in_(recommendation_ids))
    updates = list(session.scalars(query))
    updates.sort(key=lambda u: (u.recommendation.slug, u.created_at, update_key(u)))
    return updates


def update_record(update: StatusUpdate) -> dict[str, Any]:
    """Describe an update as it is now (its latest revision), with its evidence."""
    retraction = None
    if update.retracted_at is not None:
        by = next(
            (
                r.author.email
                for r in reversed(update.revisions)
                if r.kind is RevisionKind.RETRACTION
            ),
            update.author.email,
        )
        retraction = {
            "at": timestamp(update.retracted_at),
            "by": by,
            "reason": update.retraction_reason or "",
        }
    return {
        "key": update_key(update),
        "recommendation": update.recommendation.slug,
        "author": update.author.email,
        "logged_at": timestamp(update.created_at),
        "status": update.status.value,
        "as_of": update.as_of.isoformat(),
        "confidence": update.confidence.value,
        "assessment": update.assessment,
        "change_reason": update.change_reason,
        "criteria_reason": update.criteria_reason,
        "criteria": [
            {"criterion": mark.criterion.number, "verdict": mark.verdict.value, "note": mark.note}
            for mark in update.marks
        ],
        "retracted": retraction,
        "approved": approval_record(update),
        "evidence": [evidence_record(item) for item in update.evidence],
    }


def approval_record(update: StatusUpdate) -> dict[str, str] | None:
    """Who approved the update for the public, and when; None while it awaits review."""
    if update.approved_at is None or update.approved_by is None:
        return None
    return {"at": timestamp(update.approved_at), "by": update.approved_by.email}


def evidence_record(item: Evidence | EvidenceInput) -> dict[str, Any]:
    """Describe an item of evidence, stored or read from a file, as an export does."""
    return {
        "url": item.url,
        "title": item.title,
        "publisher": item.publisher,
        "published_on": item.published_on.isoformat() if item.published_on else None,
        "excerpt": item.excerpt,
        "stance": item.stance.value,
        "reliability": item.reliability.value,
        "credibility": item.credibility.value,
    }


def export_document(session: Session, reader: User | None = None) -> dict[str, Any]:
    """Describe the whole database's content, ordered so that equal content exports equally.

    For a `reader`, the assessments of the blind reviews they may not yet see are withheld.
    """
    sources = session.scalars(
        select(Source)
        .order_by(Source.slug)
        .options(
            selectinload(Source.recommendations).options(
                joinedload(Recommendation.theme),
                selectinload(Recommendation.actors),
                joinedload(Recommendation.owner),
                selectinload(Recommendation.co_owners),
            )
        )
    ).all()
    updates = load_updates(session)
    authors: dict[str, str] = (
        target_authors(session) | criterion_authors(session) | signpost_authors(session)
    )
    reviews = load_blind_reviews(session)
    authors.update(review_authors(reviews))
    forecasts, forecasters = forecast_records(session)
    authors |= forecasters
    authors |= comment_authors(session)
    for source in sources:
        for rec in source.recommendations:
            for user in [*([rec.owner] if rec.owner else []), *rec.co_owners]:
                authors[user.email] = user.name
    for update in updates:
        authors[update.author.email] = update.author.name
        if update.approved_by is not None:
            authors[update.approved_by.email] = update.approved_by.name
        for revision in update.revisions:
            authors[revision.author.email] = revision.author.name
    return {
        "format": FORMAT,
        "version": VERSION,
        "actors": [
            {"slug": actor.slug, "name": actor.name}
            for actor in session.scalars(select(Actor).order_by(Actor.slug))
        ],
        "themes": [
            {"slug": theme.slug, "name": theme.name}
            for theme in session.scalars(select(Theme).order_by(Theme.slug))
        ],
        "authors": [{"email": email, "name": authors[email]} for email in sorted(authors)],
        "sources": [source_record(source) for source in sources],
        "updates": [update_record(update) for update in updates],
        "targets": target_records(session),
        "criteria": criterion_records(session),
        "signposts": signpost_records(session),
        "blind_reviews": review_records(
            reviews, {update.id: update_key(update) for update in updates}, reader
        ),
        "forecasts": forecasts,
        "comments": comment_records(session, {update.id: update_key(update) for update in updates}),
    }


def source_record(source: Source) -> dict[str, Any]:
    return {
        "slug": source.slug,
        "kind": source.kind.value,
        "title": source.title,
        "author": source.author,
        "publisher": source.publisher,
        "url": source.url,
        "published_on": source.published_on.isoformat(),
        "date_precision": source.date_precision.value,
        "text": source.text,
        "published": source.published,
        "language": source.language,
        "translations": sorted_translations(source.translations),
        "recommendations": [
            {
                "slug": rec.slug,
                "position": rec.position,
                "title": rec.title,
                "summary": rec.summary,
                "passage": rec.passage,
                "theme": rec.theme.slug,
                "actors": sorted(actor.slug for actor in rec.actors),
                "condition": rec.condition,
                "owner": rec.owner.email if rec.owner else None,
                "co_owners": sorted(user.email for user in rec.co_owners),
                "review_every_days": rec.review_every_days,
                "translations": sorted_translations(rec.translations),
            }
            for rec in source.recommendations
        ],
    }


def sorted_translations(translations: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Translations in a fixed order, so that the same content exports the same bytes."""
    return {code: dict(sorted(texts.items())) for code, texts in sorted(translations.items())}


def dump_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_csv(
    session: Session, out: TextIO, recommendation_ids: Collection[int] | None = None
) -> int:
    """Write updates as CSV, one row per item of evidence; return how many updates."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    updates = load_updates(session, recommendation_ids)
    for update in updates:
        record = update_record(update)
        retracted = record["retracted"] or {"at": "", "by": "", "reason": ""}
        head = [
            record["key"],
            record["recommendation"],
            record["author"],
            update.author.name,
            record["logged_at"],
            record["status"],
            record["as_of"],
            record["confidence"],
            record["assessment"],
            retracted["at"],
            retracted["by"],
            retracted["reason"],
            record["change_reason"] or "",
        ]
        for item in record["evidence"]:
            cells = head + [item[name] or "" for name in EVIDENCE_FIELDS]
            writer.writerow([neutralise(cell) for cell in cells])
    return len(updates)
