from __future__ import annotations

from wtforms import DateField, RadioField, StringField, TextAreaField, ValidationError

from ..field_rules import Rule, choices_of, rule_field
from ..form_base import TrackerForm
from ..forms import options
from ..i18n import lazy_gettext as _l
from ..vocabulary import TargetOrigin

# What a target date says, by the rules the form and the importer both follow.
TARGET = {
    "target": Rule("date", required=_l("Enter the target date (YYYY-MM-DD).")),
    "origin": Rule(
        "choice", required=_l("Say where the date comes from."), choices=choices_of(TargetOrigin)
    ),
    "detail": Rule("text", optional=True, max_length=1_000),
    "reason": Rule("text", optional=True, max_length=2_000),
}
NO_REASON = _l("Say why the target date changes.")


class TargetDateForm(TrackerForm):
    """Set a recommendation's target date, or change it with the reason."""

    target = rule_field(
        DateField, TARGET["target"], _l("Target date"),
        description=_l("When it should be implemented by. Past it and not implemented, it is "
        "overdue."),
    )  # fmt: skip
    origin = rule_field(
        RadioField, TARGET["origin"], _l("Where the date comes from"), choices=options(TargetOrigin)
    )
    detail = rule_field(
        StringField, TARGET["detail"], _l("Where exactly"),
        description=_l("Optional: the passage, statement or decision that sets it."),
    )  # fmt: skip
    reason = rule_field(
        TextAreaField, TARGET["reason"], _l("Reason for the change"),
        description=_l("Needed when a target date is already set: shown in the ledger of changes."),
    )  # fmt: skip

    def __init__(self, *args: object, changing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.changing = changing

    def validate_reason(self, field: TextAreaField) -> None:
        if self.changing and not (field.data or "").strip():
            raise ValidationError(NO_REASON)
