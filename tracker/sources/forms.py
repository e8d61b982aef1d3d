from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import LinkField, link_validators, not_in_future, options, slug_field
from ..vocabulary import DatePrecision, SourceKind


class SourceFields(FlaskForm):
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


class SourceForm(SourceFields):
    version = HiddenField(validators=[InputRequired()])


class NewSourceForm(SourceFields):
    slug = slug_field("title")
