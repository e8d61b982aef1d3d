from __future__ import annotations

from wtforms import DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField

from ..field_rules import EVIDENCE, Rule, choices_of, rule_field
from ..form_base import TrackerForm
from ..forms import link_field, options
from ..i18n import lazy_gettext as _l
from ..vocabulary import Credibility, Diagnosticity, Direction, Reliability
from .operations import MAX_EVENT, Observed

# What a signpost and an observation say, by the rules the forms and the importer both follow.
SIGNPOST = {
    "event": Rule("text", required=_l("Name the event to watch for."), max_length=MAX_EVENT),
    "direction": Rule(
        "choice", required=_l("Say which way it points."), choices=choices_of(Direction)
    ),
    "diagnosticity": Rule(
        "choice",
        required=_l("Say how strongly it tells the cases apart."),
        choices=choices_of(Diagnosticity),
    ),  # fmt: skip
}
OBSERVATION = {
    "observed_on": Rule("date", required=_l("Enter the date it was observed."), not_future=True),
    "note": Rule("text", required=_l("Say what was observed."), max_length=10_000),
    **{
        name: EVIDENCE[name] for name in ("url", "title", "publisher", "reliability", "credibility")
    },
}


class SignpostForm(TrackerForm):
    """Name a signpost for a recommendation, before it is seen."""

    event = rule_field(
        TextAreaField, SIGNPOST["event"], _l("Event to watch for"),
        description=_l("Observable, and named before it happens: “UNAMI convenes talks”."),
    )  # fmt: skip
    direction = rule_field(
        RadioField, SIGNPOST["direction"], _l("Which way it points"), choices=options(Direction)
    )
    diagnosticity = rule_field(
        RadioField, SIGNPOST["diagnosticity"], _l("How strongly it tells the cases apart"),
        choices=options(Diagnosticity, lambda d: f"{d.label}: {d.definition}"),
    )  # fmt: skip
    save = SubmitField(_l("Add signpost"))


class ObservationForm(TrackerForm):
    """Record that a signpost was seen, with graded evidence."""

    observed_on = rule_field(
        DateField, OBSERVATION["observed_on"], _l("Observed on"),
        description=_l("The date it happened in the world."),
    )  # fmt: skip
    note = rule_field(
        TextAreaField, OBSERVATION["note"], _l("What was observed"),
        description=_l("Markdown is allowed."),
    )  # fmt: skip
    url = link_field(OBSERVATION["url"], _l("Evidence link"))
    title = rule_field(StringField, OBSERVATION["title"], _l("Title"))
    publisher = rule_field(StringField, OBSERVATION["publisher"], _l("Publisher"))
    reliability = rule_field(
        SelectField, OBSERVATION["reliability"], _l("Source reliability"),
        choices=options(Reliability, lambda r: f"{r.value}: {r.label}"),
    )  # fmt: skip
    credibility = rule_field(
        SelectField, OBSERVATION["credibility"], _l("Information credibility"),
        choices=options(Credibility, lambda c: f"{c.value}: {c.label}"),
    )  # fmt: skip
    save = SubmitField(_l("Record observation"))

    def observed(self) -> Observed:
        return observed_from(self.data)


def observed_from(data: dict) -> Observed:
    """The observation that checked data describes."""
    return Observed(
        observed_on=data["observed_on"],
        note=data["note"].strip(),
        url=data["url"].strip(),
        title=data["title"].strip(),
        publisher=data["publisher"].strip(),
        reliability=Reliability(data["reliability"]),
        credibility=Credibility(data["credibility"]),
    )


RETRACTION = Rule("text", required=_l("Give the reason for the retraction."), max_length=2_000)


class RetractObservationForm(TrackerForm):
    reason = rule_field(
        TextAreaField, RETRACTION, _l("Reason for the retraction"),
        description=_l("Shown with the observation, struck through."),
    )  # fmt: skip
    save = SubmitField(_l("Retract observation"))
