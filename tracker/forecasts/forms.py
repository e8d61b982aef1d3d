from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from wtforms import DateField, RadioField, SelectChoice, StringField, TextAreaField, ValidationError

from ..field_rules import Rule, choices_of, rule_field
from ..form_base import TrackerForm
from ..forms import options
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_pgettext
from ..vocabulary import FORECAST_THRESHOLDS, Likelihood
from .operations import NO_REASON, NOT_AHEAD, percent_label, permille_of_percent

EXACT = "exact"  # the likelihood choice that gives an exact percentage instead of a word
# What a forecast says, by the rules the form and the importer both follow.
FORECAST = {
    "threshold": Rule(
        "choice",
        required=_l("Choose the status it will reach or pass."),
        choices=choices_of(FORECAST_THRESHOLDS),
    ),
    "resolves_on": Rule("date", required=_l("Enter the date it resolves on (YYYY-MM-DD).")),
    "reasoning": Rule("text", optional=True, max_length=5_000),
}
LIKELIHOOD = Rule(
    "choice",
    required=_l("Choose how likely it is, or give an exact percentage."),
    choices=(*choices_of(Likelihood), EXACT),
)
PERCENT = Rule("text", optional=True, max_length=10)


def likelihood_label(word: Likelihood) -> str:
    return _(
        "%(word)s (%(band)s: counts as %(stated)s)",
        word=word.label,
        band=word.english_definition,
        stated=percent_label(word.permille),
    )


def likelihood_options() -> list[SelectChoice]:
    """The seven words, then the choice of an exact percentage, in the request's language."""
    return [*options(Likelihood, likelihood_label)(), SelectChoice(EXACT, _("An exact percentage"))]


class ForecastForm(TrackerForm):
    """Forecast that by a date the recommendation will be a status or better."""

    threshold = rule_field(
        RadioField, FORECAST["threshold"], _l("By then it will be this or better"),
        choices=options(FORECAST_THRESHOLDS),
        description=_l("Statuses rank Contradicted, No action, Stalled, In progress, Partially "
        "implemented, Implemented; Overtaken by events meets none."),
    )  # fmt: skip
    resolves_on = rule_field(
        DateField, FORECAST["resolves_on"], lazy_pgettext("the date a forecast resolves on", "By"),
        description=_l("It resolves at the end of this day, from the status then in force."),
    )  # fmt: skip
    likelihood = rule_field(
        RadioField, LIKELIHOOD, _l("How likely"), choices=likelihood_options
    )  # fmt: skip
    percent = rule_field(
        StringField, PERCENT, _l("Exact percentage"),
        description=_l("With “An exact percentage”: from 0 to 100, to one decimal place."),
    )  # fmt: skip
    reasoning = rule_field(
        TextAreaField, FORECAST["reasoning"], _l("Reasoning"),
        description=_l("Optional: why you expect it."),
    )  # fmt: skip

    def __init__(self, *args: object, today: dt.date | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or dt.date.today()
        self.permille: int | None = None

    def validate_resolves_on(self, field: DateField) -> None:
        if field.data is not None and field.data <= self.today:
            raise ValidationError(_(NOT_AHEAD))

    def validate_percent(self, field: StringField) -> None:
        typed = (field.data or "").strip()
        if self.likelihood.data != EXACT:
            if typed:
                raise ValidationError(
                    _(
                        "Leave the percentage empty when you choose a word, or choose "
                        "“An exact percentage”."
                    )
                )
            if self.likelihood.data in Likelihood._value2member_map_:
                self.permille = Likelihood(self.likelihood.data).permille
            return
        if not typed:
            raise ValidationError(_("Enter the percentage, or choose a word."))
        try:
            self.permille = permille_of_percent(typed)
        except ValueError as error:
            raise ValidationError(_(str(error))) from None

    @property
    def chosen_likelihood(self) -> Likelihood | None:
        data = self.likelihood.data
        return Likelihood(data) if data in Likelihood._value2member_map_ else None

    def fill_question(self, threshold: str | None, resolves_on: str | None) -> None:
        """Start from a question already asked (links "Forecast this question too"), when valid."""
        if threshold in choices_of(FORECAST_THRESHOLDS):
            self.threshold.data = threshold
        try:
            day = dt.date.fromisoformat(resolves_on or "")
        except ValueError:
            return
        if day > self.today:
            self.resolves_on.data = day


class AnnulmentForm(TrackerForm):
    reason = rule_field(
        TextAreaField, Rule("text", required=_l(NO_REASON), max_length=2_000),
        _l("Reason for annulling"),
        description=_l("Its premise is gone: the forecast stays shown, with this reason, and is "
        "not scored."),
    )  # fmt: skip
