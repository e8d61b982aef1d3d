"""What every area's forms share: options from the vocabulary, and common validators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session
from wtforms import Field, Form, SelectChoice, StringField, ValidationError
from wtforms.validators import Length, Optional

from .catalogue import CatalogueError, slug_from
from .vocabulary import Labelled


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
