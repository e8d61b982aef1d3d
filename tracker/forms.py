"""What every area's forms share: their base, options from the vocabulary, common validators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from flask import abort
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from wtforms import (
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.utils import unset_value
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional, StopValidation

from .catalogue import CatalogueError, slug_from
from .field_rules import FULL_LINK_MESSAGE, SCHEMELESS_LINK, Flags, Rule, RuleField, scheme_problem
from .form_base import SubForm as SubForm
from .form_base import TrackerForm as TrackerForm
from .i18n import LANGUAGES
from .i18n import lazy_gettext as _l
from .vocabulary import Labelled


class BoundedFieldList(FieldList):
    """A list of rows that refuses more rows than `max_entries`, instead of dropping them."""

    posted = 0

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.posted = len(set(self._extract_indices(self.name, formdata))) if formdata else 0
        super().process(formdata, data, extra_filters=extra_filters)

    def _extract_indices(self, prefix: str, formdata: Any) -> Iterable[int]:
        # Only ASCII digits: "²".isdigit() holds, but int("²") fails.
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit():
                    yield int(index)

    def validate(self, form: Form, extra_validators: Any = ()) -> bool:
        valid = super().validate(form, extra_validators)
        if self.max_entries and self.posted > self.max_entries:
            form.form_errors.append(
                _(
                    "Give at most %(max)s rows of %(rows)s: %(sent)s were sent, "
                    "and none was saved.",
                    max=self.max_entries,
                    rows=str(self.label.text).lower(),
                    sent=format_decimal(self.posted),
                )
            )
            return False
        return valid


def version_field() -> HiddenField:
    """The version an edit form was opened at, to refuse a save over a newer one."""
    return HiddenField(validators=[InputRequired()])


def saved_version(field: Field) -> int:
    """Read a version field; one the page did not write gets a 400, as a forged form."""
    value = field.data or ""
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        abort(
            400, description=_("The form was not sent as the page wrote it: reload it, then edit.")
        )
    return int(value)


def options(
    members: Iterable[Labelled], label: Callable[[Any], str] = lambda member: member.label
) -> Callable[[], list[SelectChoice]]:
    """Offer vocabulary members as form options, valued as they are stored; labelled when a
    form is made, so in the language of the request."""
    kept = list(members)
    return lambda: [SelectChoice(member.value, label(member)) for member in kept]


def http_url(form: Form, field: Field) -> None:
    """Refuse a link that is not http or https, offering https:// where it is missing.

    It stops the chain: a link with the wrong scheme gets this one message, not also
    `URL`'s.
    """
    problem = scheme_problem(field.data)
    if problem:
        raise StopValidation(problem)


def link_validators() -> list[Any]:
    """The checks of a link field: given, not too long, http or https, well formed."""
    return [DataRequired(), Length(max=2000), http_url, URL(message=FULL_LINK_MESSAGE)]


class AddsScheme:
    """Mixed into a link field: adds https:// to an address typed without it, and says so."""

    note: str | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.note = None
        typed = (valuelist[0] if valuelist else "").strip()
        if SCHEMELESS_LINK.fullmatch(typed):
            valuelist = [f"https://{typed}"]
            self.note = _(
                "https:// was added in front of “%(typed)s”: check that the link is right.",
                typed=typed,
            )
        super().process_formdata(valuelist)  # type: ignore[misc]


class LinkField(AddsScheme, URLField):
    """A link field checked by WTForms' validators (`link_validators`)."""


def link_field(rule: Rule, label: str, **options: Any) -> Any:
    """A link field checked by `rule`, which adds https:// where it is missing."""
    kind = type("RuledLinkField", (AddsScheme, RuleField, URLField), {"rule": rule})
    return kind(label, validators=[Flags(rule)], **options)


def not_in_future(form: Form, field: Field) -> None:
    if field.data and field.data > dt.date.today():
        raise ValidationError(_("The date cannot be in the future."))


def slug_field(description: str) -> StringField:
    """An optional slug: the short name in links, made from another field when left empty."""
    return StringField(
        _l("Slug"), validators=[Optional(), Length(max=120)], description=description
    )


def slug_or_made_from(field: Field, text: str) -> str:
    """The slug the editor typed, or one made from `text` when they left it empty."""
    return (field.data or "").strip() or slug_from(text)


def refuse_on_form(session: Session, form: Form, error: CatalogueError) -> None:
    """Undo what the request wrote and show why next to the field at fault."""
    session.rollback()
    getattr(form, error.field).errors.append(str(error))


def form_problems(form: Form) -> list[tuple[str | None, str]]:
    """List a refused form's problems for its error summary: (id to link to, message).

    Every message beside a field appears once, named by its label (and its row, for rows of
    evidence); a radio group or a list of checkboxes links to its first choice, which is what
    takes focus. Problems of the whole form link nowhere.
    """
    found: list[tuple[str | None, str]] = [(None, str(error)) for error in form.form_errors]
    found.extend(_field_problems(form, ""))
    return found


def form_notes(form: Form) -> list[str]:
    """List what the form changed in what was typed, to say so once it is saved."""
    notes = []
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                notes.extend(form_notes(entry.form) if isinstance(entry, FormField) else [])
        elif isinstance(field, FormField):
            notes.extend(form_notes(field.form))
        elif getattr(field, "note", None):
            notes.append(field.note)
    return notes


def _field_problems(form: Form, within: str) -> list[tuple[str | None, str]]:
    found: list[tuple[str | None, str]] = []
    for field in form:
        if isinstance(field, FieldList):
            for number, entry in enumerate(field.entries, start=1):
                row = f"{within}{field.label.text} {format_decimal(number)}, "
                if isinstance(entry, FormField):
                    found.extend(_field_problems(entry.form, row))
                else:
                    found.extend((entry.id, f"{row}{error}") for error in entry.errors)
        elif isinstance(field, FormField):
            found.extend(_field_problems(field.form, within))
        elif field.errors:
            target: str | None = field.id
            if isinstance(field, (RadioField, SelectMultipleField)):
                target = f"{field.id}-0"
            elif isinstance(field, HiddenField):  # the CSRF token among them
                target = None
            label = field.label.text
            found.extend(
                (target, f"{within}{label}: {error}" if label else str(error))
                for error in field.errors
            )
    return found


# The fields of a source or a recommendation that carry translations, with their longest.
TRANSLATED_FIELDS = {"title": _l("Title"), "summary": _l("Summary")}
TRANSLATION_LIMITS = {"title": 300, "summary": 5_000}


def add_translation_fields(form: type[Form], fields: Iterable[str]) -> None:
    """Give `form` an optional field per language for each of `fields`: `title_ar`, ..."""
    for code, name in LANGUAGES.items():
        for field in fields:
            kind = TextAreaField if field == "summary" else StringField
            label = _l("%(field)s in %(language)s", field=TRANSLATED_FIELDS[field], language=name)
            validators = [Optional(), Length(max=TRANSLATION_LIMITS[field])]
            setattr(form, f"{field}_{code}", kind(label, validators=validators))


def translations_from(form: Form, fields: Iterable[str], own: str) -> dict[str, dict[str, str]]:
    """The translations the form holds, leaving out empty ones and the text's own language."""
    found: dict[str, dict[str, str]] = {}
    for code in LANGUAGES:
        texts = {field: (form[f"{field}_{code}"].data or "").strip() for field in fields}
        texts = {field: text for field, text in texts.items() if text}
        if texts and code != own:
            found[code] = texts
    return found


def show_translations(form: Form, translations: dict[str, dict[str, str]]) -> None:
    """Fill a form's translation fields with what is saved."""
    for code, texts in translations.items():
        for field, text in texts.items():
            name = f"{field}_{code}"
            if name in form:
                form[name].data = text
