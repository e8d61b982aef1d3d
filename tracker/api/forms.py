from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length


class NewTokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(message="Name the token."), Length(max=100)],
        description="What will use it, such as “feed reader” or “weekly report script”.",
    )


class RevokeTokenForm(FlaskForm):
    token_id = HiddenField(validators=[InputRequired()])
