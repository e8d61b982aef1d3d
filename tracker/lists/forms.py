from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import TrackerForm, slug_field
from ..i18n import lazy_gettext as _l


class NewEntryForm(TrackerForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = slug_field(_l("Optional: made from the name when left empty. Links use it."))


class RenameForm(TrackerForm):
    name = StringField(
        _l("New name"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("The slug stays, so links and saved filters keep working."),
    )


class MergeForm(TrackerForm):
    into = SelectField(_l("Merge into"), coerce=int, validators=[DataRequired()])
