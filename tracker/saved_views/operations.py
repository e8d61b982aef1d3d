"""Saved views: keeping, renaming and deleting them, and which recommendations match one.

Each function adds and flushes, never commits; every write is audited.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .. import audit
from ..models import SavedView, User, Watch, utcnow
from ..standings import DashboardFilters

MAX_NAME = 120


class ViewError(ValueError):
    """A saved view that cannot be kept as asked, with a message for the user."""


def kept_arguments(args: Mapping[str, str], reader_id: int) -> dict[str, str]:
    """The filters of a dashboard address, read as the dashboard reads them."""
    return DashboardFilters.from_arguments(args, reader_id).arguments()


def check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ViewError(_("Name the view."))
    if len(name) > MAX_NAME:
        raise ViewError(_("A view's name holds at most %(num)s characters.", num=MAX_NAME))
    return name


def save_view(session: Session, owner: User, name: str, args: Mapping[str, str]) -> SavedView:
    """Keep the dashboard's filters under a name; the view's address is random."""
    query = kept_arguments(args, owner.id)
    view = SavedView(
        slug=secrets.token_urlsafe(9), owner_id=owner.id, name=check_name(name), query=query
    )
    session.add(view)
    session.flush()
    audit.record(session, "saved_view.create", user=owner, target=view,
                 after={"name": view.name, "query": query})  # fmt: skip
    return view


def rename_view(session: Session, view: SavedView, owner: User, name: str) -> bool:
    """Rename one's own view; False when the name did not change."""
    if view.owner_id != owner.id:
        raise PermissionError("Only its owner renames a view.")
    name = check_name(name)
    if name == view.name:
        return False
    before, view.name = view.name, name
    session.flush()
    audit.record(session, "saved_view.rename", user=owner, target=view,
                 before={"name": before}, after={"name": name})  # fmt: skip
    return True


def delete_view(session: Session, view: SavedView, owner: User) -> None:
    """Delete one's own view: its address answers 404 and its watchers stop hearing of it."""
    if view.owner_id != owner.id:
        raise PermissionError("Only its owner deletes a view.")
    now = utcnow()
    view.deleted_at = now
    for watch in session.scalars(
        select(Watch).where(
            Watch.kind == "view", Watch.target_id == view.id, Watch.ended_at.is_(None)
        )
    ):
        watch.ended_at = now
    session.flush()
    audit.record(session, "saved_view.delete", user=owner, target=view,
                 before={"name": view.name, "query": view.query})  # fmt: skip


def find_view(session: Session, slug: str) -> SavedView | None:
    """The view at this address, unless it was deleted."""
    return session.scalars(
        select(SavedView)
        .where(SavedView.slug == slug, SavedView.deleted_at.is_(None))
        .options(joinedload(SavedView.owner))
    ).first()


def views_of(session: Session, user: User) -> list[SavedView]:
    return list(
        session.scalars(
            select(SavedView)
            .where(SavedView.owner_id == user.id, SavedView.deleted_at.is_(None))
            .order_by(SavedView.name, SavedView.id)
        )
    )
