from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import slug_field


class NewEntryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    slug = slug_field("name")


class RenameForm(FlaskForm):
    name = StringField(
        "New name",
        validators=[DataRequired(), Length(max=200)],
        description="The slug stays, so links and saved filters keep working.",
    )


class MergeForm(FlaskForm):
    into = SelectField("Merge into", coerce=int, validators=[DataRequired()])
