"""Watches and notifications: each function adds and flushes, never commits.

A notification is written in the transaction of the change that causes it (the status updates'
`after_writing`, a review), so a change that rolls back leaves none and a crash loses none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from flask_login import current_user
from sqlalchemy import Insert, Integer, Select, String, and_, bindparam, func, insert, or_, select
from sqlalchemy.orm import Session, joinedload

from .. import audit
from ..db import get_session
from ..i18n import lazy_gettext as _l
from ..models import (
    Actor,
    Notification,
    Recommendation,
    SavedView,
    Source,
    StatusUpdate,
    Theme,
    User,
    UTCDateTime,
    Watch,
    recommendation_actor,
    utcnow,
)
from ..standings import matching_ids

# What can be watched, by the name in its address.
WATCHABLE: dict[str, Any] = {
    "recommendation": Recommendation,
    "source": Source,
    "actor": Actor,
    "theme": Theme,
    "view": SavedView,
}
LABELS = {
    "update": _l("New status update"),
    "correction": _l("Correction"),
    "retraction": _l("Retraction"),
    "review": _l("Re-checked, no change"),
    "mention": _l("Mentioned you in a comment"),
}
# Where on the recommendation's page each kind of notification points.
ANCHORS = {"review": "review-{}", "mention": "comment-{}"}


def anchor_of(notification: Notification) -> str:
    return ANCHORS.get(notification.kind, "update-{}").format(notification.ref_id)


# Notifications are written for this many changes at a time.
CHUNK = 1_000


def find_watchable(session: Session, kind: str, slug: str) -> Any | None:
    model = WATCHABLE.get(kind)
    if model is None:
        return None
    query = select(model).where(model.slug == slug)
    if model is SavedView:
        query = query.where(SavedView.deleted_at.is_(None))
    return session.scalars(query).first()


def active_watch(session: Session, user: User, kind: str, target_id: int) -> Watch | None:
    return session.scalars(
        select(Watch).where(
            Watch.user_id == user.id,
            Watch.kind == kind,
            Watch.target_id == target_id,
            Watch.ended_at.is_(None),
        )
    ).first()


def watch(session: Session, user: User, kind: str, target: Any) -> Watch:
    """Start watching `target`; watching it again changes nothing."""
    existing = active_watch(session, user, kind, target.id)
    if existing is not None:
        return existing
    started = Watch(user_id=user.id, kind=kind, target_id=target.id)
    session.add(started)
    session.flush()
    audit.record(
        session, "watch.start", user=user, target=started,
        after={"kind": kind, "slug": target.slug},
    )  # fmt: skip
    return started


def unwatch(session: Session, user: User, kind: str, target: Any) -> bool:
    """Stop watching `target`; False if one was not watching it."""
    existing = active_watch(session, user, kind, target.id)
    if existing is None:
        return False
    existing.ended_at = utcnow()
    session.flush()
    audit.record(
        session, "watch.end", user=user, target=existing,
        before={"kind": kind, "slug": target.slug},
    )  # fmt: skip
    return True


def fan_out(happened: Select) -> Insert:
    """The statement that notifies every active watcher of the events `happened` selects, but
    never of their own change; it binds `kind` and `created_at`.

    `happened` selects recommendation_id, ref_id and by_id; one watcher hears of an event once,
    however many of the things they watch it touches.
    """
    event = happened.subquery("event")
    actors_of = select(recommendation_actor.c.actor_id).where(
        recommendation_actor.c.recommendation_id == event.c.recommendation_id
    )
    watched = or_(
        and_(Watch.kind == "recommendation", Watch.target_id == event.c.recommendation_id),
        and_(Watch.kind == "source", Watch.target_id == Recommendation.source_id),
        and_(Watch.kind == "theme", Watch.target_id == Recommendation.theme_id),
        and_(Watch.kind == "actor", Watch.target_id.in_(actors_of)),
    )
    rows = (
        select(
            Watch.user_id,
            bindparam("kind", type_=String()),
            event.c.recommendation_id,
            event.c.ref_id,
            event.c.by_id,
            bindparam("created_at", type_=UTCDateTime()),
        )
        .select_from(event)
        .join(Recommendation, Recommendation.id == event.c.recommendation_id)
        .join(Watch, and_(Watch.ended_at.is_(None), watched))
        .join(User, and_(User.id == Watch.user_id, User.active.is_(True)))
        .where(or_(event.c.by_id.is_(None), Watch.user_id != event.c.by_id))
        .distinct()
    )
    columns = ["user_id", "kind", "recommendation_id", "ref_id", "by_id", "created_at"]
    # On the table: the ORM would read bound parameters as rows to insert.
    return insert(Notification.__table__).from_select(columns, rows)


@dataclass(frozen=True)
class Events:
    """A kind of change watchers hear of: the statement selecting its events from its
    parameters, and the one notifying their watchers, both built once (every post runs them)."""

    happened: Select
    notified: Insert

    @classmethod
    def of(cls, happened: Select) -> Events:
        return cls(happened, fan_out(happened))


# Updates by their ids, made by `by_id` or, when that is None, by their authors.
UPDATES = Events.of(
    select(
        StatusUpdate.recommendation_id,
        StatusUpdate.id.label("ref_id"),
        func.coalesce(bindparam("by_id", type_=Integer()), StatusUpdate.author_id).label("by_id"),
    ).where(StatusUpdate.id.in_(bindparam("ids", expanding=True)))
)
REVIEW = Events.of(
    select(
        bindparam("recommendation_id", type_=Integer()).label("recommendation_id"),
        bindparam("ref_id", type_=Integer()).label("ref_id"),
        bindparam("by_id", type_=Integer()).label("by_id"),
    )
)


def notify(session: Session, kind: str, events: Events, parameters: dict[str, Any]) -> None:
    """Notify every active watcher of the events the parameters pick, but never of their own
    change, and the watchers of saved views they now match."""
    notify_watchers(session, kind, events, parameters)
    notify_view_watchers(session, kind, events, parameters)


def notify_watchers(
    session: Session, kind: str, events: Events, parameters: dict[str, Any]
) -> None:
    """Notify the watchers of what the events touch: not yet those of saved views."""
    session.execute(events.notified, {"kind": kind, "created_at": utcnow(), **parameters})


# Built once: every post asks it.
WATCHED_VIEWS = (
    select(Watch.user_id, SavedView)
    .join(SavedView, SavedView.id == Watch.target_id)
    .join(User, and_(User.id == Watch.user_id, User.active.is_(True)))
    .where(Watch.kind == "view", Watch.ended_at.is_(None), SavedView.deleted_at.is_(None))
    .order_by(Watch.id)
)


def notify_view_watchers(
    session: Session, kind: str, events: Events, parameters: dict[str, Any]
) -> None:
    """Notify the watchers of saved views that the changed recommendations now match.

    One statement when nobody watches a view. A watcher who already heard of an event (they
    watch the recommendation, its source...) is not told twice.
    """
    watched = session.execute(WATCHED_VIEWS).all()
    if not watched:
        return
    happened = session.execute(events.happened, parameters).all()
    heard = {
        (user_id, ref_id)
        for user_id, ref_id in session.execute(
            select(Notification.user_id, Notification.ref_id).where(
                Notification.kind == kind,
                Notification.ref_id.in_([event.ref_id for event in happened]),
            )
        )
    }
    every = current_app.config["REVIEW_EVERY_DAYS"] if has_app_context() else 90
    now = utcnow()
    for user_id, view in watched:
        matching = matching_ids(session, view.query, user_id, review_every_days=every)
        for event in happened:
            if event.recommendation_id not in matching or event.by_id == user_id:
                continue
            if (user_id, event.ref_id) in heard:
                continue
            heard.add((user_id, event.ref_id))
            session.add(
                Notification(
                    user_id=user_id, kind=kind, recommendation_id=event.recommendation_id,
                    ref_id=event.ref_id, by_id=event.by_id, created_at=now, view_id=view.id,
                )
            )  # fmt: skip
    session.flush()


@contextmanager
def notifying_updates(
    session: Session, kind: str, update_ids: Collection[int], by: User | None = None
) -> Iterator[None]:
    """Notify the watchers of these updates' recommendations: new, corrected or retracted.

    The watchers of the recommendations, their sources, themes and actors are told on
    entering; those of saved views on leaving, once the block has brought up to date what
    the views match on (the current updates).
    """
    ordered = sorted(update_ids)
    by_id = by.id if by is not None else None
    batches = [
        {"ids": ordered[start : start + CHUNK], "by_id": by_id}
        for start in range(0, len(ordered), CHUNK)
    ]
    for parameters in batches:
        notify_watchers(session, kind, UPDATES, parameters)
    yield
    for parameters in batches:
        notify_view_watchers(session, kind, UPDATES, parameters)


def notify_review(session: Session, recommendation_id: int, review_id: int, by: User) -> None:
    parameters = {"recommendation_id": recommendation_id, "ref_id": review_id, "by_id": by.id}
    notify(session, "review", REVIEW, parameters)


def unread_count() -> int:
    """How many notifications the reader has not read (for the navigation)."""
    if not current_user.is_authenticated:
        return 0
    return (
        get_session().scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def list_notifications(
    session: Session, user: User, *, unread_only: bool, limit: int, offset: int = 0
) -> Sequence[Notification]:
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .options(
            joinedload(Notification.by),
            joinedload(Notification.recommendation),
            joinedload(Notification.view),
        )
        .limit(limit)
        .offset(offset)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return session.scalars(query).all()


def watched_recommendation_ids(session: Session, user: User, ids: Collection[int]) -> set[int]:
    """Which of these recommendations the user watches directly."""
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Watch.target_id).where(
                Watch.user_id == user.id,
                Watch.kind == "recommendation",
                Watch.target_id.in_(list(ids)),
                Watch.ended_at.is_(None),
            )
        )
    )


def mark_read(session: Session, user: User, notification_id: int | None = None) -> int:
    """Mark one notification, or all of them, as read; return how many were unread."""
    query = select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    now: dt.datetime = utcnow()
    unread = session.scalars(query).all()
    for notification in unread:
        notification.read_at = now
    session.flush()
    return len(unread)
