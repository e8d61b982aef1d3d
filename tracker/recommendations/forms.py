from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..field_rules import (
    AS_OF,
    ASSESSMENT,
    CONFIDENCE,
    EVIDENCE,
    STATUS,
    evidence_input,
    rule_field,
)
from ..forms import options, slug_field
from ..models import Actor, Theme
from ..status_updates import EvidenceInput
from ..vocabulary import Confidence, Credibility, Reliability, Stance, Status

MAX_EVIDENCE_ROWS = 20
MAX_CHANGE_REASON = 2_000


class EvidenceForm(Form):
    """One row of evidence; a sub-form, so it carries no CSRF token of its own."""

    url = rule_field(URLField, EVIDENCE["url"], "Link")
    title = rule_field(StringField, EVIDENCE["title"], "Title")
    publisher = rule_field(StringField, EVIDENCE["publisher"], "Publisher")
    published_on = rule_field(
        DateField, EVIDENCE["published_on"], "Published on", description="Optional."
    )
    excerpt = rule_field(
        TextAreaField, EVIDENCE["excerpt"], "Excerpt",
        description="The words that bear on the assessment. Markdown is allowed.",
    )  # fmt: skip
    stance = rule_field(RadioField, EVIDENCE["stance"], "Stance", choices=options(Stance))
    reliability = rule_field(
        SelectField, EVIDENCE["reliability"], "Source reliability",
        choices=options(Reliability, lambda r: f"{r.value}: {r.label}"),
    )  # fmt: skip
    credibility = rule_field(
        SelectField, EVIDENCE["credibility"], "Information credibility",
        choices=options(Credibility, lambda c: f"{c.value}: {c.label}"),
    )  # fmt: skip

    def to_input(self) -> EvidenceInput:
        return evidence_input(self.data)


class StatusUpdateForm(FlaskForm):
    status = rule_field(RadioField, STATUS, "Status", choices=options(Status.recordable()))
    as_of = rule_field(
        DateField, AS_OF, "As of",
        description="The date the status held in the world, not today's date unless it is.",
    )  # fmt: skip
    assessment = rule_field(
        TextAreaField, ASSESSMENT, "Assessment",
        description="What happened and why it earns this status. Markdown is allowed.",
    )  # fmt: skip
    confidence = rule_field(RadioField, CONFIDENCE, "Confidence", choices=options(Confidence))
    change_reason = TextAreaField(
        "Why did this change?",
        validators=[Optional(), Length(max=MAX_CHANGE_REASON)],
        description="Needed when the status moves backwards (Implemented to Stalled) or jumps "
        "more than two steps: shown with the update in the timeline.",
    )
    evidence = FieldList(FormField(EvidenceForm), min_entries=1, max_entries=MAX_EVIDENCE_ROWS)
    add_evidence = SubmitField("Add another evidence row")
    save = SubmitField("Log status update")

    def evidence_inputs(self) -> list[EvidenceInput]:
        return [row.form.to_input() for row in self.evidence]


class CorrectionForm(FlaskForm):
    """Revise an update's judgement; the evidence stays as logged."""

    status = StatusUpdateForm.status
    as_of = StatusUpdateForm.as_of
    assessment = StatusUpdateForm.assessment
    confidence = StatusUpdateForm.confidence
    reason = TextAreaField(
        "Reason for the correction",
        validators=[DataRequired(message="Say what was wrong."), Length(max=2_000)],
        description="Shown with the correction in the timeline and the corrections log.",
    )


class RetractionForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the retraction",
        validators=[DataRequired(message="Say why the update is retracted."), Length(max=2_000)],
        description="The update stays in the timeline, struck through, with this reason.",
    )


class RecommendationFields(FlaskForm):
    """What an editor says of a recommendation, new or saved."""

    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField("Summary", validators=[DataRequired(), Length(max=5_000)])
    passage = TextAreaField(
        "Passage",
        validators=[DataRequired(), Length(max=10_000)],
        description="The source's own words, exactly as in its full text.",
    )
    theme = SelectField("Theme", coerce=int)
    actors = SelectMultipleField(
        "Addressed to",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(message="Choose at least one actor.")],
    )
    condition = TextAreaField(
        "Condition",
        validators=[Optional(), Length(max=2_000)],
        description="Only for a conditional recommendation: “If ...”.",
    )

    def offer_lists(self, session: Session) -> None:
        """Offer every theme and actor, by name."""
        self.theme.choices = [
            (theme.id, theme.name) for theme in session.scalars(select(Theme).order_by(Theme.name))
        ]
        self.actors.choices = [
            (actor.id, actor.name) for actor in session.scalars(select(Actor).order_by(Actor.name))
        ]


class RecommendationForm(RecommendationFields):
    version = HiddenField(validators=[InputRequired()])


class NewRecommendationForm(RecommendationFields):
    slug = slug_field("title")
    add_another = SubmitField("Add and start another")
    save = SubmitField("Add recommendation")
