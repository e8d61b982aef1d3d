from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import (
    DateField,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from ..criteria.forms import MarkForm
from ..field_rules import (
    AS_OF,
    ASSESSMENT,
    CONFIDENCE,
    EVIDENCE,
    STATUS,
    evidence_input,
    rule_field,
)
from ..forms import (
    BoundedFieldList,
    SubForm,
    TrackerForm,
    add_translation_fields,
    http_url,
    link_field,
    not_in_future,
    options,
    slug_field,
    version_field,
)
from ..i18n import lazy_gettext as _l
from ..models import Actor, StatusUpdate, Theme, User
from ..status_updates import CorrectedEvidence, EvidenceInput, MarkInput
from ..vocabulary import Confidence, Credibility, Reliability, Role, Stance, Status
from .operations import MAX_REVIEW_EVERY_DAYS

MAX_EVIDENCE_ROWS = 20
MAX_CHANGE_REASON = 2_000
# At most this many criteria are marked in one update.
MAX_CRITERIA = 100


class EvidenceForm(SubForm):
    """One row of evidence; a sub-form, so it carries no CSRF token of its own."""

    url = rule_field(URLField, EVIDENCE["url"], _l("Link"))
    title = rule_field(StringField, EVIDENCE["title"], _l("Title"))
    publisher = rule_field(StringField, EVIDENCE["publisher"], _l("Publisher"))
    published_on = rule_field(
        DateField, EVIDENCE["published_on"], _l("Published on"), description=_l("Optional.")
    )
    excerpt = rule_field(
        TextAreaField, EVIDENCE["excerpt"], _l("Excerpt"),
        description=_l("The words that bear on the assessment. Markdown is allowed."),
    )  # fmt: skip
    stance = rule_field(RadioField, EVIDENCE["stance"], _l("Stance"), choices=options(Stance))
    reliability = rule_field(
        SelectField, EVIDENCE["reliability"], _l("Source reliability"),
        choices=options(Reliability, lambda r: f"{r.value}: {r.label}"),
    )  # fmt: skip
    credibility = rule_field(
        SelectField, EVIDENCE["credibility"], _l("Information credibility"),
        choices=options(Credibility, lambda c: f"{c.value}: {c.label}"),
    )  # fmt: skip

    def to_input(self) -> EvidenceInput:
        return evidence_input(self.data)


class EvidenceRowForm(EvidenceForm):
    """A row of evidence on the page: a link typed without https:// gets it, with a note.

    An import checks its links by `EvidenceForm`'s rule and refuses those, offering the fix:
    a file is not changed behind its author's back.
    """

    url = link_field(EVIDENCE["url"], _l("Link"))
    # First among the fields, as in `EvidenceForm`: the error summary lists them in order.
    url.creation_counter = EvidenceForm.url.creation_counter


class CorrectedEvidenceRow(EvidenceRowForm):
    """A row of a correction: the stored item it keeps or corrects, or none for a new one."""

    evidence_id = IntegerField(widget=HiddenInput(), validators=[Optional()])


class EvidenceRows:
    """Rows of evidence in a form, with buttons to add and remove rows."""

    add_evidence = SubmitField(_l("Add another evidence row"))
    # The row a "Remove" button names, counted from 0; each row's button sends its own.
    remove_evidence = IntegerField(validators=[Optional()])

    def change_evidence_rows(self) -> bool:
        """Add or remove an evidence row if a button asked for it; say whether one did.

        Without JavaScript the page makes the round trip; what was typed in the other rows
        stays as it was, and nothing is checked or saved.
        """
        rows = self.evidence  # type: ignore[attr-defined]
        if not self.is_submitted():  # type: ignore[attr-defined]
            return False
        if self.add_evidence.data:
            if len(rows) < rows.max_entries:
                rows.append_entry()
            return True
        removed = self.remove_evidence.data
        if removed is None:
            return False
        kept = [row.data for number, row in enumerate(rows) if number != removed]
        rows.entries = []
        rows.last_index = -1
        for data in kept or [None]:
            rows.append_entry(data)
        return True


class StatusUpdateForm(EvidenceRows, TrackerForm):
    status = rule_field(RadioField, STATUS, _l("Status"), choices=options(Status.recordable()))
    as_of = rule_field(
        DateField, AS_OF, _l("As of"),
        description=_l("The date the status held in the world, not today's date unless it is."),
    )  # fmt: skip
    assessment = rule_field(
        TextAreaField, ASSESSMENT, _l("Assessment"),
        description=_l("What happened and why it earns this status. Markdown is allowed."),
    )  # fmt: skip
    confidence = rule_field(RadioField, CONFIDENCE, _l("Confidence"), choices=options(Confidence))
    change_reason = TextAreaField(
        _l("Why did this change?"),
        validators=[Optional(), Length(max=MAX_CHANGE_REASON)],
        description=_l(
            "Needed when the status moves backwards (Implemented to Stalled) or jumps "
            "more than two steps: shown with the update in the timeline."
        ),
    )
    # One row per criterion in force, which the page fills in (tracker/criteria).
    marks = BoundedFieldList(FormField(MarkForm), label=_l("Criteria"), max_entries=MAX_CRITERIA)
    criteria_reason = TextAreaField(
        _l("Why Implemented despite its criteria?"),
        validators=[Optional(), Length(max=MAX_CHANGE_REASON)],
        description=_l("Needed for “Implemented” while a completion criterion is not marked met "
        "(by this update, or before it): shown with the update in the timeline."),
    )  # fmt: skip
    evidence = BoundedFieldList(
        FormField(EvidenceRowForm),
        label=_l("Evidence"),
        min_entries=1,
        max_entries=MAX_EVIDENCE_ROWS,
    )
    save = SubmitField(_l("Log status update"))

    def evidence_inputs(self) -> list[EvidenceInput]:
        return [row.form.to_input() for row in self.evidence]

    def mark_inputs(self) -> list[MarkInput]:
        return [mark for row in self.marks if (mark := row.form.to_input()) is not None]


class CorrectionForm(EvidenceRows, TrackerForm):
    """Revise an update: its judgement and its evidence (corrected, added or withdrawn)."""

    status = StatusUpdateForm.status
    as_of = StatusUpdateForm.as_of
    assessment = StatusUpdateForm.assessment
    confidence = StatusUpdateForm.confidence
    evidence = BoundedFieldList(
        FormField(CorrectedEvidenceRow),
        label=_l("Evidence"),
        min_entries=1,
        max_entries=MAX_EVIDENCE_ROWS,
    )
    reason = TextAreaField(
        _l("Reason for the correction"),
        validators=[DataRequired(message=_l("Say what was wrong.")), Length(max=2_000)],
        description=_l("Shown with the correction in the timeline and the corrections log."),
    )
    save = SubmitField(_l("Save correction"))

    @staticmethod
    def saved(update: StatusUpdate) -> dict[str, Any]:
        """The form's data for an update as it stands; needs `update.evidence` loaded."""
        return {
            "status": update.status.value,
            "as_of": update.as_of,
            "assessment": update.assessment,
            "confidence": update.confidence.value,
            "evidence": [
                {
                    "evidence_id": item.id,
                    "url": item.url,
                    "title": item.title,
                    "publisher": item.publisher,
                    "published_on": item.published_on,
                    "excerpt": item.excerpt,
                    "stance": item.stance.value,
                    "reliability": item.reliability.value,
                    "credibility": item.credibility.value,
                }
                for item in update.evidence
            ],
        }

    def corrected_evidence(self) -> list[CorrectedEvidence]:
        return [
            CorrectedEvidence(row.form.evidence_id.data, row.form.to_input())
            for row in self.evidence
        ]


class RetractionForm(TrackerForm):
    reason = TextAreaField(
        _l("Reason for the retraction"),
        validators=[
            DataRequired(message=_l("Say why the update is retracted.")),
            Length(max=2_000),
        ],
        description=_l("The update stays in the timeline, struck through, with this reason."),
    )


class RecommendationFields(TrackerForm):
    """What an editor says of a recommendation, new or saved."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=5_000)])
    passage = TextAreaField(
        _l("Passage"),
        validators=[DataRequired(), Length(max=10_000)],
        description=_l("The source's own words, exactly as in its full text."),
    )
    theme = SelectField(_l("Theme"), coerce=int)
    actors = SelectMultipleField(
        _l("Addressed to"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(message=_l("Choose at least one actor."))],
    )
    condition = TextAreaField(
        _l("Condition"),
        validators=[Optional(), Length(max=2_000)],
        description=_l("Only for a conditional recommendation: “If ...”."),
    )

    def offer_lists(self, session: Session) -> None:
        """Offer every theme and actor, by name."""
        self.theme.choices = [
            (theme.id, theme.name) for theme in session.scalars(select(Theme).order_by(Theme.name))
        ]
        self.actors.choices = [
            (actor.id, actor.name) for actor in session.scalars(select(Actor).order_by(Actor.name))
        ]


add_translation_fields(RecommendationFields, ["title", "summary"])


class RecommendationForm(RecommendationFields):
    version = version_field()


class NewRecommendationForm(RecommendationFields):
    slug = slug_field(_l("Optional: made from the title when left empty. Links use it."))
    add_another = SubmitField(_l("Add and start another"))
    save = SubmitField(_l("Add recommendation"))


class OwnersForm(TrackerForm):
    """An editor's assignment of a recommendation's owner, co-owners and review cadence."""

    version = version_field()
    owner = SelectField(_l("Owner"), coerce=int, description=_l("Answers for keeping it reviewed."))
    co_owners = SelectMultipleField(
        _l("Co-owners"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l("Share the work; they may record reviews too."),
    )
    review_every_days = IntegerField(
        _l("Review every (days)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_REVIEW_EVERY_DAYS, message=_l("Between 1 and 3650 days.")),
        ],
        description=_l("Leave empty to follow the site's cadence; 30 for a live issue."),
    )
    save = SubmitField(_l("Save owners"))

    def offer_people(self, session: Session) -> None:
        """Offer every active analyst and editor, by name."""
        people = [
            (user.id, user.name)
            for user in session.scalars(
                select(User).where(User.active.is_(True)).order_by(User.name, User.id)
            )
            if user.can(Role.ANALYST)
        ]
        self.owner.choices = [(0, "Nobody"), *people]
        self.co_owners.choices = people

    def validate_co_owners(self, field: SelectMultipleField) -> None:
        if self.owner.data and self.owner.data in (field.data or []):
            raise ValidationError(_("The owner cannot also be a co-owner."))


class TakeForm(TrackerForm):
    """An analyst takes a recommendation nobody owns."""

    version = version_field()


class ReviewForm(TrackerForm):
    """ "Re-checked, no change": dated, with an optional note and item of evidence."""

    checked_on = DateField(
        _l("Re-checked on"),
        validators=[InputRequired(message=_l("Enter the date you re-checked it.")), not_in_future],
        description=_l("The status is unchanged as of this date; it restarts the review clock."),
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=10_000)],
        description=_l("Optional: what you looked at. Markdown is allowed."),
    )
    evidence_url = URLField(
        _l("Evidence link"),
        validators=[Optional(), Length(max=2000), http_url, URL(message=_l("Enter a full link."))],
        description=_l("Optional."),
    )
    evidence_title = StringField(
        _l("Evidence title"),
        validators=[Length(max=300)],
        description=_l("Needed with a link."),
    )
    save = SubmitField(_l("Record re-check"))

    def validate_evidence_title(self, field: StringField) -> None:
        if (self.evidence_url.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_("Give the evidence a title."))
