from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..form_base import TrackerForm
from ..i18n import lazy_gettext as _l
from .operations import MAX_LENGTH


class CommentForm(TrackerForm):
    body = TextAreaField(
        _l("Comment"),
        validators=[
            DataRequired(message=_l("Write the comment.")),
            Length(
                max=MAX_LENGTH,
                message=_l("A comment holds at most %(num)s characters.", num=f"{MAX_LENGTH:,}"),
            ),
        ],
        description=_l(
            "Markdown is allowed. Mention a colleague with @ and their handle (@ana-analyst) "
            "to notify them. A comment is discussion: it never changes a status."
        ),
    )


class HideForm(TrackerForm):
    reason = TextAreaField(
        _l("Why hide it"),
        validators=[DataRequired(message=_l("Say why the comment is hidden.")), Length(max=2_000)],
        description=_l(
            "The page says the comment was hidden, by whom and why; its text stays in the audit "
            "log."
        ),
    )
