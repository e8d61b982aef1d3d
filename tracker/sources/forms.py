from __future__ import annotations

from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import (
    LinkField,
    TrackerForm,
    link_validators,
    not_in_future,
    options,
    slug_field,
    version_field,
)
from ..vocabulary import DatePrecision, SourceKind


class SourceFields(TrackerForm):
    """What an editor says of a source, new or saved."""

    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    kind = SelectField("Kind", choices=options(SourceKind))
    author = StringField("Author", validators=[DataRequired(), Length(max=200)])
    publisher = StringField("Publisher", validators=[DataRequired(), Length(max=200)])
    url = LinkField("Link", validators=link_validators())
    published_on = DateField(
        "Published on",
        validators=[InputRequired(message="Enter the publication date."), not_in_future],
        description="For a date known only to the month or year, use its first day.",
    )
    date_precision = SelectField("Date known to the", choices=options(DatePrecision))
    text = TextAreaField(
        "Full text",
        validators=[Optional(), Length(max=500_000)],
        description="Optional. When given, every recommendation's passage must appear in it.",
    )
    published = BooleanField(
        "Published on the public site",
        description="When the site is public, anonymous readers see this source, its "
        "recommendations and their approved updates.",
    )


class SourceForm(SourceFields):
    version = version_field()


class NewSourceForm(SourceFields):
    slug = slug_field("title")
