from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import (
    DateField,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import (
    BoundedFieldList,
    SubForm,
    TrackerForm,
    http_url,
    not_in_future,
    options,
    slug_field,
    version_field,
)
from ..models import Actor, Theme
from ..services import EvidenceInput
from ..vocabulary import Confidence, Credibility, Reliability, Stance, Status

MAX_EVIDENCE_ROWS = 20


class EvidenceForm(SubForm):
    """One row of evidence; a sub-form, so it carries no CSRF token of its own."""

    url = URLField(
        "Link",
        validators=[DataRequired(), Length(max=2000), http_url, URL(message="Enter a full link.")],
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    publisher = StringField("Publisher", validators=[DataRequired(), Length(max=200)])
    published_on = DateField(
        "Published on", validators=[Optional(), not_in_future], description="Optional."
    )
    excerpt = TextAreaField(
        "Excerpt",
        validators=[DataRequired(), Length(max=10_000)],
        description="The words that bear on the assessment. Markdown is allowed.",
    )
    stance = RadioField(
        "Stance", choices=options(Stance), default=Stance.SUPPORTS.value,
        validators=[DataRequired()],
    )  # fmt: skip
    reliability = SelectField(
        "Source reliability",
        choices=options(Reliability, lambda r: f"{r.value}: {r.label}"),
        default=Reliability.F.value,
    )
    credibility = SelectField(
        "Information credibility",
        choices=options(Credibility, lambda c: f"{c.value}: {c.label}"),
        default=Credibility.UNKNOWN.value,
    )

    def to_input(self) -> EvidenceInput:
        return EvidenceInput(
            url=self.url.data.strip(),
            title=self.title.data.strip(),
            publisher=self.publisher.data.strip(),
            published_on=self.published_on.data,
            excerpt=self.excerpt.data.strip(),
            stance=Stance(self.stance.data),
            reliability=Reliability(self.reliability.data),
            credibility=Credibility(self.credibility.data),
        )


class StatusUpdateForm(TrackerForm):
    status = RadioField(
        "Status",
        choices=options(Status.recordable()),
        validators=[DataRequired(message="Choose a status.")],
    )
    as_of = DateField(
        "As of",
        validators=[InputRequired(message="Enter the date the status holds as of."), not_in_future],
        description="The date the status held in the world, not today's date unless it is.",
    )
    assessment = TextAreaField(
        "Assessment",
        validators=[DataRequired(), Length(max=20_000)],
        description="What happened and why it earns this status. Markdown is allowed.",
    )
    confidence = RadioField(
        "Confidence",
        choices=options(Confidence),
        validators=[DataRequired(message="Choose your confidence.")],
    )
    evidence = BoundedFieldList(
        FormField(EvidenceForm), label="Evidence", min_entries=1, max_entries=MAX_EVIDENCE_ROWS
    )
    add_evidence = SubmitField("Add another evidence row")
    save = SubmitField("Log status update")

    def evidence_inputs(self) -> list[EvidenceInput]:
        return [row.form.to_input() for row in self.evidence]


class CorrectionForm(TrackerForm):
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


class RetractionForm(TrackerForm):
    reason = TextAreaField(
        "Reason for the retraction",
        validators=[DataRequired(message="Say why the update is retracted."), Length(max=2_000)],
        description="The update stays in the timeline, struck through, with this reason.",
    )


class RecommendationFields(TrackerForm):
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
    version = version_field()


class NewRecommendationForm(RecommendationFields):
    slug = slug_field("title")
    add_another = SubmitField("Add and start another")
    save = SubmitField("Add recommendation")
