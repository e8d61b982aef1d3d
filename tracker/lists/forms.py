from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import TrackerForm, slug_field


class NewEntryForm(TrackerForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    slug = slug_field("name")


class RenameForm(TrackerForm):
    name = StringField(
        "New name",
        validators=[DataRequired(), Length(max=200)],
        description="The slug stays, so links and saved filters keep working.",
    )


class MergeForm(TrackerForm):
    into = SelectField("Merge into", coerce=int, validators=[DataRequired()])
