"""Who is reading: the one place that decides what a public reader may see.

Inside (logged in, or the site not public) a reader sees everything. A *public reader* is
an anonymous visitor of the public site (`TRACKER_PUBLIC=1`): for them every ORM query of
the request is limited, in SQL, to published sources and what hangs from them, and, while
review before publishing is on, to approved updates. What the public never sees (the audit
log, versions, watches, comments, saved views...) is listed in `HIDDEN`: a query for it finds
nothing.

No request state here: tracker/publishing sets the audience for each request; the session hook
below and tracker/moments.py read it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from flask_babel import gettext
from sqlalchemy import ColumnElement, event, false, select
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from .models import (
    Assignment,
    AuditEvent,
    BlindReview,
    Comment,
    CommentRevision,
    ContentVersion,
    Evidence,
    FeedAddress,
    IndependentAssessment,
    Notification,
    Recommendation,
    Review,
    SavedView,
    Source,
    StatusRevision,
    StatusUpdate,
    TargetDate,
    Watch,
)
from .vocabulary import Role


@dataclass(frozen=True)
class Audience:
    # An anonymous reader of the public site.
    public: bool = False
    # Updates reach them only once approved (review before publishing).
    reviewed: bool = False
    # How analysts are shown to them: "name", "role" or "none".
    authors: str = "name"


INSIDE = Audience()
current: ContextVar[Audience] = ContextVar("audience", default=INSIDE)

# Records the public never sees, whatever page or query asks for them. Blind reviews are the
# team's way to a judgement: the public sees the consensus, an update like any other.
HIDDEN: tuple[type, ...] = (
    AuditEvent,
    ContentVersion,
    Watch,
    Notification,
    Assignment,
    BlindReview,
    IndependentAssessment,
    Comment,
    CommentRevision,
    SavedView,
    FeedAddress,
)


def audience() -> Audience:
    return current.get()


def reviewed_only() -> bool:
    """Whether only approved updates are shown to this reader."""
    seen = current.get()
    return seen.public and seen.reviewed


class Named(Protocol):
    """Whom a page names: a `User`, or a read model's `timelines.Person`."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> Role: ...


def shown_name(user: Named | None) -> str | None:
    """How this reader sees an analyst: inside by name; the public by name, role or not at all."""
    if user is None:
        return None
    seen = current.get()
    if not seen.public or seen.authors == "name":
        return user.name
    if seen.authors == "role":
        return user.role.label if user.role else None
    return None


def byline(user: Named | None) -> str:
    """ "by Jane Doe", "by Analyst" or nothing, as this reader may see an analyst."""
    name = shown_name(user)
    return "" if name is None else gettext("by %(name)s", name=name)


# On the tables, not the mapped classes: these subqueries are not limited again.
_source = Source.__table__.c
_recommendation = Recommendation.__table__.c
_update = StatusUpdate.__table__.c


def published_recommendation_ids() -> Any:
    published = select(_source.id).where(_source.published.is_(True))
    return select(_recommendation.id).where(_recommendation.source_id.in_(published))


def shown_update_ids(reviewed: bool) -> Any:
    shown = select(_update.id).where(_update.recommendation_id.in_(published_recommendation_ids()))
    return shown.where(_update.approved_at.is_not(None)) if reviewed else shown


def shown_update(reviewed: bool) -> ColumnElement[bool]:
    clause = StatusUpdate.recommendation_id.in_(published_recommendation_ids())
    return clause & StatusUpdate.approved_at.is_not(None) if reviewed else clause


def limits(seen: Audience) -> list[Any]:
    """The criteria every ORM query of a public reader carries."""
    recommendations = published_recommendation_ids()
    updates = shown_update_ids(seen.reviewed)
    options = [
        with_loader_criteria(Source, Source.published.is_(True), include_aliases=True),
        with_loader_criteria(
            Recommendation, Recommendation.id.in_(recommendations), include_aliases=True
        ),
        with_loader_criteria(StatusUpdate, shown_update(seen.reviewed), include_aliases=True),
        with_loader_criteria(
            StatusRevision, StatusRevision.update_id.in_(updates), include_aliases=True
        ),
        with_loader_criteria(Evidence, Evidence.update_id.in_(updates), include_aliases=True),
        with_loader_criteria(
            Review, Review.recommendation_id.in_(recommendations), include_aliases=True
        ),
        with_loader_criteria(
            TargetDate, TargetDate.recommendation_id.in_(recommendations), include_aliases=True
        ),
    ]
    options += [with_loader_criteria(hidden, false(), include_aliases=True) for hidden in HIDDEN]
    return options


def limit_to_public(state: ORMExecuteState) -> None:
    """Limit a public reader's ORM selects, relationship loads included."""
    seen = current.get()
    if seen.public and state.is_select:
        state.statement = state.statement.options(*limits(seen))


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "do_orm_execute", limit_to_public)
