from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, Form, RadioField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import options
from ..vocabulary import TargetOrigin


class TargetFields(Form):
    """What a target date says: the form's fields, which an import checks its entries by."""

    target = DateField(
        "Target date",
        validators=[InputRequired(message="Enter the target date (YYYY-MM-DD).")],
        description="When it should be implemented by. Past it and not implemented, it is overdue.",
    )
    origin = RadioField(
        "Where the date comes from",
        choices=options(TargetOrigin),
        validators=[DataRequired(message="Say where the date comes from.")],
    )
    detail = StringField(
        "Where exactly",
        validators=[Optional(), Length(max=1_000)],
        description="Optional: the passage, statement or decision that sets it.",
    )
    reason = TextAreaField(
        "Reason for the change",
        validators=[Length(max=2_000)],
        description="Needed when a target date is already set: shown in the ledger of changes.",
    )


class TargetDateForm(FlaskForm):
    """Set a recommendation's target date, or change it with the reason."""

    target = TargetFields.target
    origin = TargetFields.origin
    detail = TargetFields.detail
    reason = TargetFields.reason

    def __init__(self, *args: object, changing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.changing = changing

    def validate_reason(self, field: TextAreaField) -> None:
        if self.changing and not (field.data or "").strip():
            raise ValidationError("Say why the target date changes.")
