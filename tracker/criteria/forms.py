from __future__ import annotations

from flask_babel import gettext as _
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, ValidationError
from wtforms.widgets import HiddenInput

from ..field_rules import Rule, choices_of, rule_field
from ..form_base import SubForm, TrackerForm
from ..forms import options
from ..i18n import lazy_gettext as _l
from ..status_updates import MarkInput
from ..vocabulary import CriterionKind, Verdict
from .operations import MAX_TEXT

# What a criterion says, by the rules the forms and the importer both follow.
CRITERION = {
    "kind": Rule(
        "choice", required=_l("Choose the kind of criterion."), choices=choices_of(CriterionKind)
    ),
    "text": Rule("text", required=_l("Write what the criterion tests."), max_length=MAX_TEXT),
    "reason": Rule("text", optional=True, max_length=2_000),
}
# What an update says of one criterion; the form also offers to leave it unmarked.
MARK = {
    "verdict": Rule(
        "choice", required=_l("Choose met, not met or unclear."), choices=choices_of(Verdict)
    ),
    "note": Rule("text", optional=True, max_length=10_000),
}


class CriterionForm(TrackerForm):
    """Write a new criterion for a recommendation."""

    kind = rule_field(
        RadioField, CRITERION["kind"], _l("Kind"),
        choices=options(CriterionKind, lambda kind: f"{kind.label}: {kind.definition}"),
    )  # fmt: skip
    text = rule_field(
        TextAreaField, CRITERION["text"], _l("Criterion"),
        description=_l("An observable outcome, written before the evidence comes in: “Parliament "
        "passes a law setting the date of early elections”."),
    )  # fmt: skip
    save = SubmitField(_l("Add criterion"))


class CriterionEditForm(TrackerForm):
    """Reword a criterion, or withdraw it: a new version; the earlier ones stay."""

    text = CriterionForm.text
    withdrawn = BooleanField(
        _l("Withdraw it"),
        description=_l("A withdrawn criterion no longer counts; its history stays."),
    )
    reason = rule_field(
        TextAreaField, CRITERION["reason"], _l("Reason for the change"),
        description=_l("Optional: shown in the criterion's history."),
    )  # fmt: skip
    save = SubmitField(_l("Save a new version"))


class MarkForm(SubForm):
    """What a status update says of one criterion; a verdict left blank marks nothing."""

    criterion = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    verdict = RadioField(
        _l("Verdict"),
        choices=lambda: [SelectChoice("", _("Not marked")), *options(Verdict)()],
        default="",
        validate_choice=True,
    )
    note = rule_field(
        TextAreaField, MARK["note"], _l("What shows it"),
        description=_l("The evidence for the verdict. Markdown is allowed."),
    )  # fmt: skip

    def validate_note(self, field: TextAreaField) -> None:
        if (field.data or "").strip() and not self.verdict.data:
            raise ValidationError(_("Choose met, not met or unclear for this note, or clear it."))

    def to_input(self) -> MarkInput | None:
        if not self.verdict.data:
            return None
        return MarkInput(
            self.criterion.data, Verdict(self.verdict.data), (self.note.data or "").strip()
        )
