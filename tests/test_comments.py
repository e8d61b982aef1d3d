"""Discussion: comments on a recommendation and its updates, mentions, revisions, hiding."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.models import (
    AuditEvent,
    Comment,
    CommentRevision,
    Notification,
    Recommendation,
    StatusUpdate,
)
from tracker.vocabulary import Role

from .conftest import Auth
from .helpers import SLUG, add_updates, squash

URL = f"/recommendations/{SLUG}"


def count(db: Session, model: type) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model)) or 0


def comment_ids(db: Session) -> list[int]:
    db.rollback()
    return list(db.scalars(select(Comment.id).order_by(Comment.id)))


def test_a_comment_with_a_mention_notifies_the_colleague_and_changes_no_status(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    writer = make_user(Role.ANALYST, name="Ana Analyst")
    colleague = make_user(Role.VIEWER, name="Bo Colleague", email="bo.private@example.org")
    add_updates(db, writer, SLUG, 1)
    status_before = db.scalar(select(Recommendation.current_update_id).where(
        Recommendation.slug == SLUG))  # fmt: skip
    auth.login(writer)
    page = client.get(URL).get_data(as_text=True)
    assert "@bo-colleague" in page  # the handles the form offers: names, never e-mails
    assert "bo.private@example.org" not in page
    response = client.post(
        f"{URL}/comments",
        data={"body": "**Worth a look**, @bo-colleague: the vote slipped. @nobody-here too."},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Comment added." in page
    [comment_id] = comment_ids(db)
    assert f'id="comment-{comment_id}"' in page
    assert "<strong>Worth a look</strong>" in page
    assert '<span class="mention" title="Bo Colleague">@bo-colleague</span>' in page
    assert "@nobody-here too" in page and 'class="mention" title="nobody' not in page
    assert "bo.private@example.org" not in page
    # Not evidence: the recommendation's status and its updates are as they were.
    db.rollback()
    assert db.scalar(select(Recommendation.current_update_id).where(
        Recommendation.slug == SLUG)) == status_before  # fmt: skip
    assert count(db, StatusUpdate) == 1
    [notification] = db.scalars(select(Notification)).all()
    assert (notification.user_id, notification.kind, notification.ref_id) == (
        colleague.id, "mention", comment_id,
    )  # fmt: skip
    auth.logout()

    auth.login(colleague)
    listing = squash(client.get("/notifications").get_data(as_text=True))
    assert "Mentioned you in a comment</strong> on" in listing and "by Ana Analyst" in listing
    assert f'href="{URL}#comment-{comment_id}"' in listing
    # A viewer reads comments but writes none.
    assert 'action="' + URL + '/comments"' not in client.get(URL).get_data(as_text=True)
    assert client.post(f"{URL}/comments", data={"body": "Me too"}).status_code == 403
    assert count(db, Comment) == 1


def test_a_comment_on_an_update_shows_at_that_update(
    client: FlaskClient, db: Session, analyst
) -> None:
    add_updates(db, analyst, SLUG, 2)
    first, second = db.scalars(select(StatusUpdate.id).order_by(StatusUpdate.id)).all()
    form = client.get(f"{URL}/updates/{first}/comments")
    assert form.status_code == 200 and "Comment on a status update" in form.get_data(as_text=True)
    client.post(f"{URL}/updates/{first}/comments", data={"body": "Which vote was this?"})
    page = client.get(URL).get_data(as_text=True)
    [comment_id] = comment_ids(db)
    # It is inside the first update's entry, not the second's nor the discussion's.
    timeline = page[: page.index('id="discussion"')]
    entries = re.split(r'<li class="update[^"]*" id="', timeline)
    holding = [entry for entry in entries if f'id="comment-{comment_id}"' in entry]
    assert len(holding) == 1 and holding[0].startswith(f"update-{first}")
    discussion = page[page.index('id="discussion"') :]
    assert f'id="comment-{comment_id}"' not in discussion and "No comment yet." in discussion
    assert f"update-{second}" in timeline


def test_commenting_on_what_does_not_exist_is_404_and_an_empty_comment_is_refused(
    client: FlaskClient, db: Session, analyst
) -> None:
    add_updates(db, analyst, SLUG, 1)
    other = db.scalars(select(Recommendation).where(Recommendation.slug != SLUG)).first()
    assert other is not None
    update_id = db.scalars(select(StatusUpdate.id)).one()
    assert (
        client.post("/recommendations/no-such-thing/comments", data={"body": "x"}).status_code
        == 404
    )
    assert client.post(f"{URL}/updates/999999/comments", data={"body": "x"}).status_code == 404
    wrong = f"/recommendations/{other.slug}/updates/{update_id}/comments"
    assert client.post(wrong, data={"body": "x"}).status_code == 404
    assert client.get(f"{URL}/comments/999999/edit").status_code == 404
    for body in ("", "   \n  "):
        response = client.post(f"{URL}/comments", data={"body": body})
        page = squash(response.get_data(as_text=True))
        assert response.status_code == 400
        assert "There is a problem" in page and "Write the comment." in page
    assert count(db, Comment) == 0
    too_long = client.post(f"{URL}/comments", data={"body": "x" * 10_001})
    assert too_long.status_code == 400 and "at most 10,000 characters" in too_long.get_data(
        as_text=True
    )
    # Markdown is sanitised like every other text.
    client.post(
        f"{URL}/comments", data={"body": "<script>alert(1)</script> [x](javascript:alert(1))"}
    )
    page = client.get(URL).get_data(as_text=True)
    assert "<script>alert(1)" not in page and 'href="javascript' not in page


def test_editing_keeps_every_revision_and_notifies_only_new_mentions(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    writer = make_user(Role.ANALYST, name="Ana Analyst")
    first = make_user(Role.ANALYST, name="Cy First")
    second = make_user(Role.ANALYST, name="Di Second")
    auth.login(writer)
    client.post(f"{URL}/comments", data={"body": "Draft for @cy-first"})
    [comment_id] = comment_ids(db)
    edit = f"{URL}/comments/{comment_id}/edit"
    assert "Draft for @cy-first" in client.get(edit).get_data(as_text=True)
    response = client.post(
        edit, data={"body": "Final, for @cy-first and @di-second"}, follow_redirects=True
    )
    page = squash(response.get_data(as_text=True))
    assert "Comment saved" in page
    assert "History: 2 revisions" in page
    assert "Revision 1</strong> by Ana Analyst" in page and "Draft for" in page
    db.rollback()
    revisions = db.scalars(select(CommentRevision.body).order_by(CommentRevision.number)).all()
    assert revisions == ["Draft for @cy-first", "Final, for @cy-first and @di-second"]
    heard = sorted(db.scalars(select(Notification.user_id)).all())
    assert heard == sorted([first.id, second.id])  # Cy once, Di once
    # Unchanged text makes no revision; an empty one is refused and loses nothing.
    client.post(edit, data={"body": "Final, for @cy-first and @di-second"})
    assert count(db, CommentRevision) == 2
    assert client.post(edit, data={"body": ""}).status_code == 200
    assert count(db, CommentRevision) == 2
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("comment.%")))
    assert sorted(actions) == ["comment.create", "comment.edit"]
    auth.logout()
    # Only its writer edits a comment: a colleague, even an editor, gets 403.
    auth.login(first)
    assert client.get(edit).status_code == 403
    assert client.post(edit, data={"body": "Mine now"}).status_code == 403
    assert count(db, CommentRevision) == 2


def test_an_editor_hides_a_comment_with_a_reason_and_the_audit_log_keeps_it(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    writer = make_user(Role.ANALYST, name="Ana Analyst")
    editor = make_user(Role.EDITOR, name="Ed Editor")
    auth.login(writer)
    client.post(f"{URL}/comments", data={"body": "Something that should not stay"})
    [comment_id] = comment_ids(db)
    hide = f"{URL}/comments/{comment_id}/hide"
    assert client.get(hide).status_code == 403
    assert client.post(hide, data={"reason": "Mine"}).status_code == 403
    auth.logout()

    auth.login(editor)
    empty = client.post(hide, data={"reason": ""})
    assert "Say why the comment is hidden." in empty.get_data(as_text=True)
    response = client.post(hide, data={"reason": "Personal details"}, follow_redirects=True)
    page = squash(response.get_data(as_text=True))
    assert "Comment hidden." in page
    assert "A comment by Ana Analyst was hidden by Ed Editor on" in page
    assert "Personal details" in page
    assert "Something that should not stay" not in page
    db.rollback()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "comment.hide")).one()
    assert event.before["body"] == "Something that should not stay"
    assert event.after == {"hidden": True, "reason": "Personal details"}
    again = client.post(hide, data={"reason": "Twice"})
    assert "already hidden" in again.get_data(as_text=True)
    auth.logout()
    auth.login(writer)  # its writer cannot edit it back into view
    assert client.get(f"{URL}/comments/{comment_id}/edit").status_code == 403


def test_a_page_at_an_earlier_moment_shows_only_the_comments_known_then(
    client: FlaskClient, db: Session, analyst
) -> None:
    client.post(f"{URL}/comments", data={"body": "Written today"})
    assert "Written today" in client.get(URL).get_data(as_text=True)
    page = client.get(f"{URL}?as_of=2021-01-01").get_data(as_text=True)
    assert "Written today" not in page and "No comment by then." in page


def test_the_recommendation_page_asks_the_same_statements_however_many_comments(
    client: FlaskClient, db: Session, make_user, auth: Auth, count_statements
) -> None:
    writer = make_user(Role.ANALYST, name="Ana Analyst")
    make_user(Role.ANALYST, name="Bo Colleague")
    auth.login(writer)

    def grow(updates: int, comments: int) -> None:
        add_updates(db, writer, SLUG, updates)
        update_ids = db.scalars(select(StatusUpdate.id)).all()
        for number in range(comments):
            on_update = f"{URL}/updates/{update_ids[number % len(update_ids)]}/comments"
            client.post(on_update if number % 2 else f"{URL}/comments",
                        data={"body": f"Comment {number} for @bo-colleague"})  # fmt: skip
            if number % 3 == 0:  # some with a history of revisions
                latest = comment_ids(db)[-1]
                client.post(f"{URL}/comments/{latest}/edit", data={"body": f"Edited {number}"})

    def statements() -> int:
        client.get(URL)
        counter = count_statements()
        page = client.get(f"{URL}?window=all").get_data(as_text=True)
        assert page.count('<li class="comment') == count(db, Comment)
        return counter.count

    grow(1, 1)
    few = statements()
    grow(9, 29)
    assert count(db, Comment) == 30
    assert statements() == few
