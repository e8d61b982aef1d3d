"""A user's notifications as an Atom feed, at a private address a feed reader can use.

The address carries a secret; only its SHA-256 hash is kept (`FeedAddress`). Making a new
address revokes the one before, so a leaked address is stopped by making another. Each
function adds and flushes, never commits.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..models import FeedAddress, Notification, User, utcnow
from ..text import without_refused as xml_text
from .operations import LABELS


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def current_address(session: Session, user: User) -> FeedAddress | None:
    return session.scalars(
        select(FeedAddress).where(FeedAddress.user_id == user.id, FeedAddress.revoked_at.is_(None))
    ).first()


def stop_address(session: Session, user: User) -> bool:
    """Revoke the user's address, if they have one: it answers 404 from now on."""
    address = current_address(session, user)
    if address is None:
        return False
    address.revoked_at = utcnow()
    session.flush()
    audit.record(
        session, "feed_address.revoke", user=user, target=address,
        before={"revoked": False}, after={"revoked": True},
    )  # fmt: skip
    return True


def new_address(session: Session, user: User) -> str:
    """Revoke the user's address and make a new one; return its secret, shown only now."""
    stop_address(session, user)
    secret = secrets.token_urlsafe(32)
    address = FeedAddress(user_id=user.id, token_hash=secret_hash(secret))
    session.add(address)
    session.flush()
    audit.record(session, "feed_address.create", user=user, target=address)
    return secret


def user_for_secret(session: Session, secret: str) -> User | None:
    """The active user whose unrevoked address carries this secret."""
    if len(secret) > 100:
        return None
    return session.scalars(
        select(User)
        .join(FeedAddress, FeedAddress.user_id == User.id)
        .where(
            FeedAddress.token_hash == secret_hash(secret),
            FeedAddress.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).first()


def notifications_atom(
    notifications: Sequence[Notification],
    *,
    address: str,
    page: str,
    host: str,
    link_of: dict[int, str],
) -> bytes:
    """The Atom document of these notifications, newest first; `link_of` maps id to page."""
    from feedgen.feed import FeedGenerator  # and lxml: loaded by the first feed drawn

    generator = FeedGenerator()
    generator.id(f"tag:{host},2026:notifications/{secret_hash(address)[:16]}")
    generator.title(xml_text(_("Tracker: my notifications")))
    generator.author({"name": "Tracker"})
    # The address holds the secret: it is the feed's own link, as feed readers expect.
    generator.link(href=address, rel="self", type="application/atom+xml")
    generator.link(href=page, rel="alternate", type="text/html")
    generator.updated(max((item.created_at for item in notifications), default=utcnow()))
    for item in notifications:
        entry = generator.add_entry(order="append")
        entry.id(f"tag:{host},{item.created_at.date().isoformat()}:notification/{item.id}")
        by = item.by.name if item.by else _("Tracker")
        title = f"{LABELS[item.kind]}: {item.recommendation.title}"
        entry.title(xml_text(title))
        entry.updated(item.created_at)
        entry.published(item.created_at)
        entry.author({"name": xml_text(by)})
        entry.link(href=link_of[item.id], rel="alternate", type="text/html")
        entry.summary(xml_text(_("%(what)s, by %(name)s.", what=title, name=by)))
    return generator.atom_str(pretty=True)
