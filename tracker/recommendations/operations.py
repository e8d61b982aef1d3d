"""Adding, loading and editing recommendations: each function adds and flushes, never commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from .. import audit
from ..catalogue import CatalogueError, check_slug, required
from ..models import (
    Actor,
    Assignment,
    ContentVersion,
    Recommendation,
    Review,
    Source,
    Theme,
    User,
)
from ..notifications.operations import notify_review, watch
from ..versions import record_version, save
from ..vocabulary import Role

# Built once: every page of a recommendation, and every post to one, loads it so.
RECOMMENDATION_ROW = select(Recommendation).where(Recommendation.slug == bindparam("slug"))
LOAD_RECOMMENDATION = RECOMMENDATION_ROW.options(
    joinedload(Recommendation.source),
    joinedload(Recommendation.theme),
    selectinload(Recommendation.actors),
    joinedload(Recommendation.owner),
    selectinload(Recommendation.co_owners),
)


def load_recommendation(
    session: Session, slug: str, *, shown: bool = True
) -> Recommendation | None:
    """The recommendation with what its pages show; with `shown` False, its own row alone."""
    statement = LOAD_RECOMMENDATION if shown else RECOMMENDATION_ROW
    return session.scalars(statement, {"slug": slug}).first()


def create_recommendation(
    session: Session,
    source: Source,
    *,
    slug: str,
    title: str,
    summary: str,
    passage: str,
    theme: Theme,
    actors: Sequence[Actor],
    condition: str | None = None,
    position: int | None = None,
    owner: User | None = None,
    co_owners: Sequence[User] = (),
    review_every_days: int | None = None,
    translations: dict[str, dict[str, str]] | None = None,
    by: User | None,
) -> Recommendation:
    """Add a recommendation to a source, last unless `position` says where."""
    check_slug(session, Recommendation, slug)
    passage = required("passage", passage, 10_000)
    check_passage(source, passage)
    if not actors:
        raise CatalogueError("actors", _("Address the recommendation to at least one actor."))
    if position is None:
        last = session.scalar(
            select(func.max(Recommendation.position)).where(Recommendation.source_id == source.id)
        )
        position = (last or 0) + 1
    recommendation = Recommendation(
        source_id=source.id,
        slug=slug,
        position=position,
        title=required("title", title, 200),
        summary=required("summary", summary, 5_000),
        passage=passage,
        theme_id=theme.id,
        condition=condition or None,
        actors=list(actors),
        owner_id=owner.id if owner else None,
        co_owners=sorted(co_owners, key=lambda user: user.name),
        review_every_days=review_every_days,
        language=source.language,
        translations=translations or {},
    )
    session.add(recommendation)
    session.flush()
    record_version(session, recommendation, by)
    audit.record(
        session, "recommendation.create", user=by, target=recommendation,
        after={"slug": slug, "source": source.slug, "title": recommendation.title},
    )  # fmt: skip
    return recommendation


def check_passage(source: Source, passage: str) -> None:
    """Refuse a passage that is not word for word in the source's full text, when it has one."""
    if source.text is not None and passage not in source.text:
        raise CatalogueError("passage", passage_mismatch(source.text, passage))


def passage_mismatch(text: str, passage: str) -> str:
    """Say where a passage stops matching the source's full text."""
    words = passage.split()
    flat_text = " ".join(text.split())
    matched = 0
    for count in range(1, len(words) + 1):
        if " ".join(words[:count]) in flat_text:
            matched = count
        else:
            break
    if matched == len(words):
        return _(
            "The passage matches the full text only if line breaks and spaces are ignored: "
            "copy it exactly."
        )
    if matched == 0:
        return _(
            "The passage is not in the source's full text: it differs from the first word, "
            "“%(word)s”.",
            word=words[0],
        )
    return _(
        "The passage is not in the source's full text: it matches up to “%(matched)s” and "
        "differs from “%(word)s”.",
        matched=" ".join(words[max(0, matched - 6) : matched]),
        word=words[matched],
    )


def edit_recommendation(
    session: Session,
    recommendation: Recommendation,
    *,
    editor: User,
    expected_version: int,
    values: dict[str, Any],
) -> ContentVersion | None:
    """Save an editor's values; None when they change nothing.

    `values` holds title, summary, passage, theme_id, condition and actors (Actor rows).
    """
    source = session.get(Source, recommendation.source_id)
    assert source is not None
    check_passage(source, values["passage"])
    return save(session, recommendation, editor, expected_version, values)


# Longest review cadence an editor may set: ten years.
MAX_REVIEW_EVERY_DAYS = 3_650


def may_own(user: User) -> bool:
    """Owners are analysts or editors (admins included) whose account is active."""
    return user.can(Role.ANALYST)


def may_review(user: User, recommendation: Recommendation) -> bool:
    """Its owner, a co-owner or an editor records a review. Needs co-owners loaded."""
    if not user.can(Role.ANALYST):
        return False
    owners = {recommendation.owner_id, *(co.id for co in recommendation.co_owners)}
    return user.id in owners or user.can(Role.EDITOR)


def assign_owners(
    session: Session,
    recommendation: Recommendation,
    *,
    editor: User,
    owner: User | None,
    co_owners: Sequence[User],
    review_every_days: int | None,
    expected_version: int,
) -> ContentVersion | None:
    """Give a recommendation its owner, co-owners and cadence: a new version, audited.

    None when nothing changes. Needs co-owners loaded.
    """
    if not editor.can(Role.EDITOR):
        raise PermissionError("Only an editor assigns owners.")
    for user in [*([owner] if owner else []), *co_owners]:
        if not may_own(user):
            raise CatalogueError("owner", f"{user.name} cannot own recommendations.")
    if owner is not None and owner in co_owners:
        raise CatalogueError("co_owners", _("The owner cannot also be a co-owner."))
    if review_every_days is not None and not 1 <= review_every_days <= MAX_REVIEW_EVERY_DAYS:
        raise CatalogueError(
            "review_every_days",
            _("Between 1 and %(max)s days, or empty.", max=MAX_REVIEW_EVERY_DAYS),
        )
    before = owner_roles(recommendation)
    version = save(
        session,
        recommendation,
        editor,
        expected_version,
        {
            "owner": owner,
            "owner_id": owner.id if owner else None,
            "co_owners": sorted(co_owners, key=lambda user: user.name),
            "review_every_days": review_every_days,
        },
    )
    if version is not None:
        note_assignments(session, recommendation, before, editor)
    return version


def take_recommendation(
    session: Session, recommendation: Recommendation, *, analyst: User, expected_version: int
) -> ContentVersion:
    """Make an analyst the owner of a recommendation nobody owns: a new version, audited."""
    if not may_own(analyst):
        raise PermissionError("Only an analyst or an editor can own a recommendation.")
    if recommendation.owner_id is not None:
        owner = session.get_one(User, recommendation.owner_id)
        raise CatalogueError("owner", f"{owner.name} already owns this recommendation.")
    before = owner_roles(recommendation)
    version = save(
        session, recommendation, analyst, expected_version,
        {"owner": analyst, "owner_id": analyst.id},
    )  # fmt: skip
    assert version is not None
    note_assignments(session, recommendation, before, analyst)
    return version


def owner_roles(recommendation: Recommendation) -> set[tuple[int, bool]]:
    """(user id, co-owner?) of everyone who owns a recommendation."""
    roles = {(user.id, True) for user in recommendation.co_owners}
    if recommendation.owner_id is not None:
        roles.add((recommendation.owner_id, False))
    return roles


def note_assignments(
    session: Session,
    recommendation: Recommendation,
    before: set[tuple[int, bool]],
    by: User | None,
) -> None:
    """Keep who was newly made owner or co-owner, for their My work page."""
    for user_id, co_owner in sorted(owner_roles(recommendation) - before):
        watch(session, session.get_one(User, user_id), "recommendation", recommendation)
        session.add(
            Assignment(
                recommendation_id=recommendation.id,
                user_id=user_id,
                co_owner=co_owner,
                by_id=by.id if by else None,
            )
        )
    session.flush()


def record_review(
    session: Session,
    recommendation: Recommendation,
    *,
    reviewer: User,
    checked_on: dt.date,
    note: str = "",
    evidence_url: str | None = None,
    evidence_title: str | None = None,
) -> Review:
    """Record "re-checked, no change": it restarts the review clock and changes no status."""
    if not may_review(reviewer, recommendation):
        raise PermissionError("Only an owner, a co-owner or an editor records a review.")
    if checked_on > dt.date.today():
        raise CatalogueError("checked_on", _("The date cannot be in the future."))
    if evidence_url and not evidence_url.lower().startswith(("http://", "https://")):
        raise CatalogueError("evidence_url", _("Use a link that starts with http:// or https://."))
    review = Review(
        recommendation_id=recommendation.id,
        reviewer_id=reviewer.id,
        checked_on=checked_on,
        note=note,
        evidence_url=evidence_url or None,
        evidence_title=(evidence_title or None) if evidence_url else None,
    )
    session.add(review)
    session.flush()
    notify_review(session, recommendation.id, review.id, reviewer)
    audit.record(
        session, "review.create", user=reviewer, target=review,
        after={
            "recommendation": recommendation.slug, "checked_on": checked_on.isoformat(),
            "note": note, "evidence": review.evidence_url,
        },
    )  # fmt: skip
    return review
