"""What every area's forms share: options from the vocabulary, and common validators."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session
from wtforms import Field, Form, SelectChoice, StringField, URLField, ValidationError
from wtforms.validators import URL, DataRequired, Length, Optional, StopValidation

from .catalogue import CatalogueError, slug_from
from .vocabulary import Labelled


def options(
    members: Iterable[Labelled], label: Callable[[Any], str] = lambda member: member.label
) -> list[SelectChoice]:
    """Offer vocabulary members as form options, valued as they are stored."""
    return [SelectChoice(member.value, label(member)) for member in members]


# What someone types for a web address without its scheme: "www.treasury.gov/news".
SCHEMELESS_LINK = re.compile(
    r"(?![a-z][a-z0-9+.-]*:)[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}([/?#]\S*)?", re.IGNORECASE
)


def http_url(form: Form, field: Field) -> None:
    """Refuse a link that is not http or https, offering https:// where it is missing.

    It stops the chain: a link with the wrong scheme gets this one message, not also
    `URL`'s.
    """
    if field.data and not field.data.lower().startswith(("http://", "https://")):
        message = "Use a link that starts with http:// or https://."
        if SCHEMELESS_LINK.fullmatch(field.data.strip()):
            message = f"{message[:-1]}: did you mean “https://{field.data.strip()}”?"
        raise StopValidation(message)


FULL_LINK = "Enter a full link, such as https://www.example.org/page."


def link_validators() -> list[Any]:
    """The checks of every link field: given, not too long, http or https, well formed."""
    return [DataRequired(), Length(max=2000), http_url, URL(message=FULL_LINK)]


class LinkField(URLField):
    """A link field that adds https:// to an address typed without it, and says so."""

    note: str | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.note = None
        typed = (self.data or "").strip()
        if SCHEMELESS_LINK.fullmatch(typed):
            self.data = f"https://{typed}"
            self.note = f"https:// was added in front of “{typed}”: check that the link is right."


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
        if field.type == "FieldList":
            for entry in field.entries:
                notes.extend(form_notes(entry.form) if entry.type == "FormField" else [])
        elif field.type == "FormField":
            notes.extend(form_notes(field.form))
        elif getattr(field, "note", None):
            notes.append(field.note)
    return notes


def _field_problems(form: Form, within: str) -> list[tuple[str | None, str]]:
    found: list[tuple[str | None, str]] = []
    for field in form:
        if field.type == "FieldList":
            for number, entry in enumerate(field.entries, start=1):
                row = f"{within}{field.label.text} {number}, "
                if entry.type == "FormField":
                    found.extend(_field_problems(entry.form, row))
                else:
                    found.extend((entry.id, f"{row}{error}") for error in entry.errors)
        elif field.type == "FormField":
            found.extend(_field_problems(field.form, within))
        elif field.errors:
            target: str | None = field.id
            if field.type in ("RadioField", "SelectMultipleField"):
                target = f"{field.id}-0"
            elif field.type in ("CSRFTokenField", "HiddenField"):
                target = None
            label = field.label.text
            found.extend(
                (target, f"{within}{label}: {error}" if label else str(error))
                for error in field.errors
            )
    return found
