"""What every area's forms share: their base, options from the vocabulary, common validators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from flask import abort
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import (
    Field,
    FieldList,
    Form,
    HiddenField,
    PasswordField,
    SelectChoice,
    StringField,
    ValidationError,
)
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length, Optional

from .catalogue import CatalogueError, slug_from
from .text import no_control_characters
from .vocabulary import Labelled


class TextRules:
    """Form meta: every text field refuses control characters (see `tracker.text`).

    Passwords are exempt: they are only ever hashed, never stored or shown.
    """

    def bind_field(self, form: Form, unbound_field: Any, options: dict[str, Any]) -> Field:
        field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
        if isinstance(field, StringField) and not isinstance(field, PasswordField):
            field.validators = [*field.validators, no_control_characters]
        return field


class TrackerForm(FlaskForm):
    """The base of every form a page posts: CSRF, and the rules for text."""

    class Meta(TextRules):
        pass


class SubForm(Form):
    """The base of a form within a form (a row of a `FieldList`), or checked apart from one."""

    class Meta(TextRules):
        pass


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
                f"Give at most {self.max_entries} rows of {self.label.text.lower()}: "
                f"{self.posted:,} were sent, and none was saved."
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
        abort(400, description="The form was not sent as the page wrote it: reload it, then edit.")
    return int(value)


def options(
    members: Iterable[Labelled], label: Callable[[Any], str] = lambda member: member.label
) -> list[SelectChoice]:
    """Offer vocabulary members as form options, valued as they are stored."""
    return [SelectChoice(member.value, label(member)) for member in members]


def http_url(form: Form, field: Field) -> None:
    if field.data and not field.data.lower().startswith(("http://", "https://")):
        raise ValidationError("Use a link that starts with http:// or https://.")


def not_in_future(form: Form, field: Field) -> None:
    if field.data and field.data > dt.date.today():
        raise ValidationError("The date cannot be in the future.")


def slug_field(made_from: str) -> StringField:
    """An optional slug: the short name in links, made from `made_from` when left empty."""
    return StringField(
        "Slug",
        validators=[Optional(), Length(max=120)],
        description=f"Optional: made from the {made_from} when left empty. Links use it.",
    )


def slug_or_made_from(field: Field, text: str) -> str:
    """The slug the editor typed, or one made from `text` when they left it empty."""
    return (field.data or "").strip() or slug_from(text)


def refuse_on_form(session: Session, form: Form, error: CatalogueError) -> None:
    """Undo what the request wrote and show why next to the field at fault."""
    session.rollback()
    getattr(form, error.field).errors.append(str(error))
