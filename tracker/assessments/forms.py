from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import (
    DateField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..field_rules import CONFIDENCE, STATUS, Rule, rule_field
from ..forms import TrackerForm, link_field, options
from ..i18n import lazy_gettext as _l
from ..models import User
from ..recommendations.forms import StatusUpdateForm
from ..vocabulary import Confidence, Role, Status

# What a review and an assessment say, by the rules the forms and the importer both follow.
REVIEW = {
    "as_of": Rule(
        "date", required=_l("Enter the date the status is judged as of."), not_future=True
    ),
    "closes_on": Rule("date", optional=True),
}
ASSESSMENT = {
    "status": STATUS,
    "confidence": CONFIDENCE,
    "rationale": Rule("text", required=_l("Give your reasons."), max_length=10_000),
    "evidence_url": Rule("text", optional=True, max_length=2000, link=True),
    "evidence_title": Rule("text", optional=True, max_length=300),
}


class OpenReviewForm(TrackerForm):
    """Put a recommendation into blind review."""

    as_of = rule_field(
        DateField, REVIEW["as_of"], _l("Judge the status as of"),
        description=_l("Every analyst judges where it stood on this date; the consensus holds as "
        "of it too."),
    )  # fmt: skip
    closes_on = rule_field(
        DateField, REVIEW["closes_on"], _l("Closing date"),
        description=_l("Optional: the last day assessments are taken. Without one, submissions "
        "end when every analyst asked has submitted, or when you end them."),
    )  # fmt: skip
    analysts = SelectMultipleField(
        _l("Analysts asked"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l("Optional: only they may submit. None chosen: any analyst may."),
    )
    save = SubmitField(_l("Open the blind review"))

    def offer_analysts(self, session: Session) -> None:
        """Offer every active analyst, editor and admin, by name."""
        self.analysts.choices = [
            (user.id, user.name)
            for user in session.scalars(
                select(User).where(User.active.is_(True)).order_by(User.name, User.id)
            )
            if user.can(Role.ANALYST)
        ]


class AssessmentForm(TrackerForm):
    """An analyst's own assessment in a blind review."""

    status = rule_field(
        RadioField, ASSESSMENT["status"], _l("Status"), choices=options(Status.recordable())
    )
    confidence = rule_field(
        RadioField, ASSESSMENT["confidence"], _l("Confidence"), choices=options(Confidence)
    )
    rationale = rule_field(
        TextAreaField, ASSESSMENT["rationale"], _l("Rationale"),
        description=_l("Briefly, why it earns this status. Markdown is allowed."),
    )  # fmt: skip
    evidence_url = link_field(
        ASSESSMENT["evidence_url"], _l("Evidence link"), description=_l("Optional.")
    )
    evidence_title = rule_field(
        StringField, ASSESSMENT["evidence_title"], _l("Evidence title"),
        description=_l("Optional: the link itself is shown without one."),
    )  # fmt: skip
    save = SubmitField(_l("Submit my assessment"))


class EndForm(TrackerForm):
    """End a review's submissions: a button and its CSRF token."""


class ConsensusForm(StatusUpdateForm):
    """The consensus: a status update as of the date the review judged."""

    as_of = None
    save = SubmitField(_l("Record the consensus"))
