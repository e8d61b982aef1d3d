"""Comments: writing, editing and hiding them, their mentions, and loading them for a page.

Each function adds and flushes, never commits. A comment is discussion, not evidence: nothing
here touches a status update or a recommendation's status.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from .. import audit
from ..models import (
    Comment,
    CommentRevision,
    Notification,
    Recommendation,
    StatusUpdate,
    User,
    utcnow,
)
from ..moments import Moment
from ..templating import render_markdown
from ..vocabulary import Role

# Analysts and above write comments; viewers read them.
COMMENTER = Role.ANALYST
MAX_LENGTH = 10_000
# "@ana-analyst": a handle's words (any script) joined by hyphens, not inside a word or an
# e-mail address ("ana@example.org" mentions nobody).
MENTION = re.compile(r"(?<![\w@.-])@(\w+(?:-\w+)*)")
# The HTML Markdown makes, split into tags and text: mentions are only looked for in text
# outside links and code.
TAG = re.compile(r"(<[^>]*>)")


class CommentError(ValueError):
    """A comment that cannot be written, with a message for the writer."""


def mentioned_handles(body: str) -> set[str]:
    return {match.lower() for match in MENTION.findall(body)}


def mentioned_users(session: Session, body: str) -> list[User]:
    """The active users a body mentions by handle; a handle nobody holds mentions nobody."""
    handles = mentioned_handles(body)
    if not handles:
        return []
    return list(
        session.scalars(select(User).where(User.handle.in_(sorted(handles)), User.active.is_(True)))
    )


def check_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise CommentError(_("Write the comment."))
    if len(text) > MAX_LENGTH:
        raise CommentError(_("A comment holds at most %(num)s characters.", num=f"{MAX_LENGTH:,}"))
    return text


def notify_mentions(
    session: Session, comment: Comment, by: User, already: Collection[int] = ()
) -> list[User]:
    """Notify each user the comment mentions, once per comment, never its own writer."""
    notified = [
        user
        for user in mentioned_users(session, comment.body)
        if user.id != by.id and user.id not in already
    ]
    session.add_all(
        Notification(
            user_id=user.id,
            kind="mention",
            recommendation_id=comment.recommendation_id,
            ref_id=comment.id,
            by_id=by.id,
        )
        for user in notified
    )
    return notified


def may_comment(user: User) -> bool:
    return user.can(COMMENTER)


def may_edit(user: User, comment: Comment) -> bool:
    """Only its writer edits a comment; an editor hides it instead."""
    return user.id == comment.author_id and not comment.hidden


def add_comment(
    session: Session,
    recommendation: Recommendation,
    *,
    author: User,
    body: str,
    update: StatusUpdate | None = None,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> Comment:
    """Write a comment on a recommendation, or on one of its updates, and notify its mentions.

    Who may comment is the view's to check (`COMMENTER`); `tracker import` writes the comments
    of a file with the time each carries (`at`), and tells nobody of mentions made then.
    """
    if update is not None and update.recommendation_id != recommendation.id:
        raise CommentError(_("That status update belongs to another recommendation."))
    text = check_body(body)
    now = at or utcnow()
    comment = Comment(
        recommendation_id=recommendation.id,
        update_id=update.id if update else None,
        author_id=author.id,
        body=text,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    session.add(
        CommentRevision(comment_id=comment.id, number=1, body=text, author_id=author.id,
                        created_at=now)
    )  # fmt: skip
    mentioned = notify_mentions(session, comment, author) if notify else []
    audit.record(
        session, "comment.create", user=author, target=comment,
        after={
            "recommendation": recommendation.slug, "update": comment.update_id, "body": text,
            "mentions": sorted(user.handle for user in mentioned),
        },
    )  # fmt: skip
    session.flush()
    return comment


def edit_comment(
    session: Session,
    comment: Comment,
    *,
    editor: User,
    body: str,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> bool:
    """Save a new revision of a comment; False when the text did not change.

    Users it newly mentions are notified; those an earlier revision mentioned are not again.
    """
    if not may_edit(editor, comment):
        raise PermissionError("Only the writer of a comment edits it, while it is shown.")
    text = check_body(body)
    if text == comment.body:
        return False
    already = set(
        session.scalars(
            select(Notification.user_id).where(
                Notification.kind == "mention", Notification.ref_id == comment.id
            )
        )
    )
    before = comment.body
    comment.revision += 1
    comment.body = text
    session.add(
        CommentRevision(comment_id=comment.id, number=comment.revision, body=text,
                        author_id=editor.id, created_at=at or utcnow())
    )  # fmt: skip
    session.flush()
    if notify:
        notify_mentions(session, comment, editor, already | {comment.author_id})
    audit.record(
        session, "comment.edit", user=editor, target=comment,
        before={"body": before}, after={"body": text, "revision": comment.revision},
    )  # fmt: skip
    return True


def hide_comment(
    session: Session, comment: Comment, *, editor: User, reason: str, at: dt.datetime | None = None
) -> Comment:
    """Hide a comment from its pages, with a reason; its text stays in the audit log.

    Only editors hide comments: the view checks it.
    """
    if comment.hidden:
        raise CommentError(_("This comment is already hidden."))
    reason = reason.strip()
    if not reason:
        raise CommentError(_("Say why the comment is hidden."))
    comment.hidden_at = at or utcnow()
    comment.hidden_by_id = editor.id
    comment.hidden_reason = reason
    session.flush()
    audit.record(
        session, "comment.hide", user=editor, target=comment,
        before={"body": comment.body, "hidden": False},
        after={"hidden": True, "reason": reason},
    )  # fmt: skip
    return comment


def find_comment(
    session: Session, recommendation: Recommendation, comment_id: int
) -> Comment | None:
    comment = session.get(
        Comment,
        comment_id,
        options=[
            joinedload(Comment.author),
            selectinload(Comment.revisions).joinedload(CommentRevision.author),
        ],
    )
    if comment is None or comment.recommendation_id != recommendation.id:
        return None
    return comment


@dataclass(frozen=True)
class Shown:
    """A comment as a page shows it at a moment: the revision in force then, hidden or not."""

    comment: Comment
    revision: CommentRevision
    revisions: list[CommentRevision]
    hidden: bool
    handles: dict[str, str]

    @property
    def edited(self) -> bool:
        return self.revision.number > 1


def cutoff(moment: Moment) -> dt.datetime | None:
    """The first instant a page at `moment` no longer shows: comments count when written."""
    if moment.is_now:
        return None
    end_of_day = dt.datetime.combine(moment.as_of + dt.timedelta(days=1), dt.time(), dt.UTC)
    known = moment.known_before
    return min(end_of_day, known) if known else end_of_day


def comments_for(
    session: Session,
    recommendation: Recommendation,
    update_ids: Iterable[int] | None,
    moment: Moment,
) -> dict[int | None, list[Shown]]:
    """The comments a recommendation page shows, oldest first, by update (None: its own);
    those on the updates `update_ids` names, or on all of them.

    Three statements however many comments: the comments with their writers and hiders, their
    revisions with their writers, and the users their text mentions.
    """
    query = (
        select(Comment)
        .where(Comment.recommendation_id == recommendation.id)
        .order_by(Comment.created_at, Comment.id)
        .options(
            joinedload(Comment.author),
            joinedload(Comment.hidden_by),
            selectinload(Comment.revisions).joinedload(CommentRevision.author),
        )
    )
    if update_ids is not None:
        wanted = list(update_ids)
        query = query.where(Comment.update_id.is_(None) | Comment.update_id.in_(wanted))
    until = cutoff(moment)
    if until is not None:
        query = query.where(Comment.created_at < until)
    comments = list(session.scalars(query))
    shown: list[tuple[Comment, list[CommentRevision], bool]] = []
    for comment in comments:
        known = [r for r in comment.revisions if until is None or r.created_at < until]
        if not known:
            continue
        hidden = comment.hidden_at is not None and (until is None or comment.hidden_at < until)
        shown.append((comment, known, hidden))
    handles: set[str] = set()
    for _comment, known, hidden in shown:
        if not hidden:
            for revision in known:
                handles |= mentioned_handles(revision.body)
    names = (
        {
            handle: name
            for handle, name in session.execute(
                select(User.handle, User.name).where(User.handle.in_(sorted(handles)))
            )
        }
        if handles
        else {}
    )
    grouped: dict[int | None, list[Shown]] = defaultdict(list)
    for comment, known, hidden in shown:
        grouped[comment.update_id].append(Shown(comment, known[-1], known, hidden, names))
    return grouped


def render_comment(body: str, handles: dict[str, str]) -> Markup:
    """A comment's Markdown as safe HTML, each mention of a known user marked with their name.

    A handle nobody holds stays plain text; nothing here can show an e-mail address.
    """
    html = str(render_markdown(body))
    parts = TAG.split(html)
    quiet = 0  # inside a link or code: no mention there
    for index, part in enumerate(parts):
        if index % 2:
            tag = part.lower()
            if tag.startswith(("<a ", "<a>", "<code")):
                quiet += 1
            elif tag.startswith(("</a", "</code")):
                quiet = max(0, quiet - 1)
            continue
        if quiet or "@" not in part:
            continue
        parts[index] = MENTION.sub(lambda match: mention_html(match, handles), part)
    return Markup("".join(parts))


def mention_html(match: re.Match[str], handles: dict[str, str]) -> str:
    name = handles.get(match.group(1).lower())
    if name is None:
        return match.group(0)
    # The text is already escaped HTML; the name is escaped here.
    return f'<span class="mention" title="{escape(name)}">{match.group(0)}</span>'


def handles_of_colleagues(session: Session) -> list[tuple[str, str]]:
    """Every active user's handle and name, for the comment form's hint."""
    rows = session.execute(
        select(User.handle, User.name).where(User.active.is_(True)).order_by(User.name)
    )
    return [(handle, name) for handle, name in rows]
