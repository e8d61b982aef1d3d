from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..form_base import TrackerForm
from .operations import MAX_LENGTH


class CommentForm(TrackerForm):
    body = TextAreaField(
        "Comment",
        validators=[
            DataRequired(message="Write the comment."),
            Length(max=MAX_LENGTH, message=f"A comment holds at most {MAX_LENGTH:,} characters."),
        ],
        description=(
            "Markdown is allowed. Mention a colleague with @ and their handle (@ana-analyst) "
            "to notify them. A comment is discussion: it never changes a status."
        ),
    )


class HideForm(TrackerForm):
    reason = TextAreaField(
        "Why hide it",
        validators=[DataRequired(message="Say why the comment is hidden."), Length(max=2_000)],
        description="The page says the comment was hidden, by whom and why; its text stays "
        "in the audit log.",
    )
