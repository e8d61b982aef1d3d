from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import (
    LinkField,
    TrackerForm,
    add_translation_fields,
    link_validators,
    not_in_future,
    options,
    slug_field,
    version_field,
)
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES
from ..i18n import lazy_gettext as _l
from ..vocabulary import DatePrecision, SourceKind


class SourceFields(TrackerForm):
    """What an editor says of a source, new or saved."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(_l("Kind"), choices=options(SourceKind))
    author = StringField(_l("Author"), validators=[DataRequired(), Length(max=200)])
    publisher = StringField(_l("Publisher"), validators=[DataRequired(), Length(max=200)])
    url = LinkField(_l("Link"), validators=link_validators())
    published_on = DateField(
        _l("Published on"),
        validators=[InputRequired(message=_l("Enter the publication date.")), not_in_future],
        description=_l("For a date known only to the month or year, use its first day."),
    )
    date_precision = SelectField(_l("Date known to the"), choices=options(DatePrecision))
    text = TextAreaField(
        _l("Full text"),
        validators=[Optional(), Length(max=500_000)],
        description=_l("Optional. When given, every recommendation's passage must appear in it."),
    )

    language = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        default=DEFAULT_LANGUAGE,
        description=_l("The language it is written in: its title, full text and passages."),
    )
    published = BooleanField(
        _l("Published on the public site"),
        description=_l(
            "When the site is public, anonymous readers see this source, its "
            "recommendations and their approved updates."
        ),
    )


add_translation_fields(SourceFields, ["title"])


class SourceForm(SourceFields):
    version = version_field()


class NewSourceForm(SourceFields):
    slug = slug_field(_l("Optional: made from the title when left empty. Links use it."))
