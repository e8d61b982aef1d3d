"""Comments in the JSON format: `comments[]`, one entry per comment with all its revisions.

An entry carries a `key` (its own, or made from its recommendation, author and time), so a
comment already stored is kept as it is; the others are written through the comments' own
operations with the times they carry, their mentions telling nobody (they were made then).
The update a comment is on is named by that update's key in the same file or the database.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..auth.services import normalise_email
from ..comments.operations import CommentError, add_comment, edit_comment, hide_comment
from ..models import Comment, CommentRevision, Recommendation, StatusUpdate, User
from .entries import Entries, read_time
from .formats import derived_key, timestamp


def comment_key(comment: Comment, slug: str) -> str:
    return comment.import_key or derived_key(
        f"comment:{slug}", comment.author.email, comment.created_at
    )


def comment_records(session: Session, update_keys: dict[int, str]) -> list[dict[str, Any]]:
    """Every comment, hidden ones too (an export keeps everything), in a stable order."""
    slugs = dict(session.execute(select(Recommendation.id, Recommendation.slug)).all())
    comments = session.scalars(
        select(Comment).options(
            joinedload(Comment.author),
            joinedload(Comment.hidden_by),
            selectinload(Comment.revisions).joinedload(CommentRevision.author),
        )
    ).all()
    records = [
        {
            "key": comment_key(comment, slugs[comment.recommendation_id]),
            "recommendation": slugs[comment.recommendation_id],
            "update": update_keys[comment.update_id] if comment.update_id else None,
            "author": comment.author.email,
            "written_at": timestamp(comment.created_at),
            "revisions": [
                {"body": revision.body, "at": timestamp(revision.created_at)}
                for revision in comment.revisions
            ],
            "hidden": {
                "by": comment.hidden_by.email,
                "at": timestamp(comment.hidden_at),
                "reason": comment.hidden_reason or "",
            }
            if comment.hidden_at and comment.hidden_by
            else None,
        }
        for comment in comments
    ]
    records.sort(key=lambda record: (record["recommendation"], record["written_at"], record["key"]))
    return records


def comment_authors(session: Session) -> dict[str, str]:
    """Map the email of everyone who wrote or hid a comment to their name."""
    writers = session.execute(
        select(User.email, User.name).where(
            User.id.in_(select(Comment.author_id)) | User.id.in_(select(Comment.hidden_by_id))
        )
    )
    return {email: name for email, name in writers}


def wanted_comment_authors(entries: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """The (path, email) of each entry's writer and hider, for the importer to find or create."""
    wanted = []
    for path, item in entries:
        wanted.append((f"{path}.author", str(item.get("author") or "")))
        hidden = item.get("hidden")
        if isinstance(hidden, dict):
            wanted.append((f"{path}.hidden.by", str(hidden.get("by") or "")))
    return wanted


def add_comments(
    session: Session,
    entries: list[tuple[str, Any]],
    authors: dict[str, User],
    update_ids: dict[str, int],
    now: dt.datetime,
) -> tuple[list[tuple[str, str]], Counter[str]]:
    """Write the comments the database lacks; return the problems (path, message) and counts.

    `update_ids` maps the key of every update stored or imported to its id.
    """
    reader = Entries(session, entries)
    problems, counts = reader.problems, reader.counts
    stored: set[str] = set()
    for comment, slug in session.execute(
        select(Comment, Recommendation.slug)
        .join(Recommendation, Recommendation.id == Comment.recommendation_id)
        .options(joinedload(Comment.author))
    ):
        stored.add(comment_key(comment, slug))
    for path, item in entries:
        found: list[tuple[str, str]] = []
        key = item.get("key")
        if not isinstance(key, str) or not key.strip() or len(key) > 64:
            found.append((f"{path}.key", "Expected a key of at most 64 characters."))
        elif key in stored:
            counts["comments already present"] += 1
            continue
        rec = reader.recommendation(str(item.get("recommendation")), path, found)
        update = None
        if item.get("update") is not None:
            update_id = update_ids.get(str(item.get("update")))
            update = session.get(StatusUpdate, update_id) if update_id else None
            if update is None or (rec is not None and update.recommendation_id != rec.id):
                found.append((f"{path}.update",
                              "No status update of this recommendation has this key."))  # fmt: skip
        author = authors.get(normalise_email(str(item.get("author") or "")))
        written = read_time(item, "written_at", path, now, found)
        revisions = item.get("revisions")
        if not isinstance(revisions, list) or not revisions:
            found.append((f"{path}.revisions", "Expected at least one revision."))
            revisions = []
        texts = []
        for number, revision in enumerate(revisions):
            where = f"{path}.revisions[{number}]"
            if not isinstance(revision, dict) or not isinstance(revision.get("body"), str):
                found.append((f"{where}.body", "Expected text."))
                continue
            at = read_time(revision, "at", where, now, found)
            texts.append((revision["body"], at))
        hidden = item.get("hidden")
        hider = hidden_at = None
        if hidden is not None:
            if not isinstance(hidden, dict) or not str(hidden.get("reason") or "").strip():
                found.append((f"{path}.hidden.reason", "Say why the comment is hidden."))
            else:
                hider = authors.get(normalise_email(str(hidden.get("by") or "")))
                hidden_at = read_time(hidden, "at", f"{path}.hidden", now, found)
        problems += found
        if found or problems or rec is None or author is None or written is None:
            continue  # a refused file: spare the writes
        try:
            (first, _), *later = texts
            comment = add_comment(session, rec, author=author, body=first, update=update,
                                  at=written, notify=False)  # fmt: skip
            comment.import_key = key
            for body, at in later:
                edit_comment(session, comment, editor=author, body=body, at=at, notify=False)
            if hider is not None:
                hide_comment(session, comment, editor=hider, reason=hidden["reason"], at=hidden_at)
        except CommentError as error:
            problems.append((path, str(error)))
        else:
            stored.add(key)
            counts["comments added"] += 1
    return problems, counts
