from __future__ import annotations

from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from ..auth.forms import current_password_field
from ..forms import TrackerForm


class NewTokenForm(TrackerForm):
    name = StringField(
        "Name",
        validators=[DataRequired(message="Name the token."), Length(max=100)],
        description="What will use it, such as “feed reader” or “weekly report script”.",
    )
    # A token reads as you until revoked: whoever holds only your session may not make one.
    password = current_password_field("Your password")


class RevokeTokenForm(TrackerForm):
    token_id = HiddenField(validators=[InputRequired()])
