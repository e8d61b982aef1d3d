"""The analysts' controlled vocabulary: statuses, grades, confidence and roles."""

from __future__ import annotations

import enum


class Labelled(enum.StrEnum):
    """A string enum whose members carry a label and a one-line definition."""

    label: str
    definition: str

    def __new__(cls, value: str, label: str, definition: str = "") -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.definition = definition
        return member


class Status(Labelled):
    NOT_ASSESSED = "not_assessed", "Not yet assessed", "Nobody has recorded an assessment yet."
    NO_ACTION = (
        "no_action",
        "No action",
        "Assessed: the actors addressed have done nothing towards it.",
    )
    IN_PROGRESS = "in_progress", "In progress", "Concrete steps are under way."
    PARTIAL = (
        "partially_implemented",
        "Partially implemented",
        "Some of what was recommended has happened, not all.",
    )
    IMPLEMENTED = "implemented", "Implemented", "What was recommended has happened."
    STALLED = "stalled", "Stalled", "Steps were taken, then stopped."
    CONTRADICTED = (
        "contradicted",
        "Contradicted",
        "An actor did the opposite of what was recommended.",
    )
    OVERTAKEN = (
        "overtaken",
        "Overtaken by events",
        "The recommendation no longer applies: its premise is gone.",
    )

    @classmethod
    def recordable(cls) -> list[Status]:
        """Return the statuses an analyst can record (all but "not yet assessed")."""
        return [status for status in cls if status is not cls.NOT_ASSESSED]

    @property
    def step(self) -> int | None:
        """Where the status stands on the way to implementation; None off that way.

        Contradicted, no action, in progress or stalled (steps taken, stopped or not),
        partially implemented, implemented: "Overtaken by events" and "not yet assessed" are
        on no step.
        """
        return PROGRESS.get(self)

    def change_needs_reason(self, to: Status) -> bool:
        """Whether moving from this status to `to` must say why (ICD 203): backwards, or
        forwards by more than two steps."""
        if self.step is None or to.step is None:
            return False
        return to.step < self.step or to.step - self.step > 2


PROGRESS = {
    Status.CONTRADICTED: 0,
    Status.NO_ACTION: 1,
    Status.IN_PROGRESS: 2,
    Status.STALLED: 2,
    Status.PARTIAL: 3,
    Status.IMPLEMENTED: 4,
}


class Confidence(Labelled):
    LOW = "low", "Low", "Thin or fragmentary evidence, or reasoning with significant gaps."
    MODERATE = (
        "moderate",
        "Moderate",
        "Credible evidence and plausible reasoning, but not enough to rule out alternatives.",
    )
    HIGH = "high", "High", "Good-quality evidence from several sources, and sound reasoning."


class Reliability(Labelled):
    """Admiralty grade of the source of a piece of evidence."""

    A = "A", "Completely reliable"
    B = "B", "Usually reliable"
    C = "C", "Fairly reliable"
    D = "D", "Not usually reliable"
    E = "E", "Unreliable"
    F = "F", "Reliability cannot be judged"


class Credibility(Labelled):
    """Admiralty grade of the information itself."""

    CONFIRMED = "1", "Confirmed by other sources"
    PROBABLE = "2", "Probably true"
    POSSIBLE = "3", "Possibly true"
    DOUBTFUL = "4", "Doubtful"
    IMPROBABLE = "5", "Improbable"
    UNKNOWN = "6", "Truth cannot be judged"


class Stance(Labelled):
    SUPPORTS = "supports", "Supports", "The evidence supports the assessment."
    CONTRADICTS = "contradicts", "Contradicts", "The evidence contradicts the assessment."


class RevisionKind(Labelled):
    ORIGINAL = "original", "Logged"
    CORRECTION = "correction", "Corrected"
    RETRACTION = "retraction", "Retracted"


class DatePrecision(Labelled):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class SourceKind(Labelled):
    ARTICLE = "article", "Article"
    REPORT = "report", "Report"
    PAPER = "paper", "Paper"
    OTHER = "other", "Other"


class Role(Labelled):
    """Roles in increasing order of power: each can do all the previous ones can."""

    VIEWER = "viewer", "Viewer", "Reads everything."
    ANALYST = "analyst", "Analyst", "Also logs status updates."
    EDITOR = "editor", "Editor", "Also edits recommendations and sources."
    ADMIN = "admin", "Admin", "Also manages users."

    @property
    def rank(self) -> int:
        return ROLE_RANKS[self]

    def can(self, needed: Role) -> bool:
        return ROLE_RANKS[self] >= ROLE_RANKS[needed]


# Asked twice an update on a timeline page (may this reader correct it, retract it?).
ROLE_RANKS = {role: rank for rank, role in enumerate(Role)}


class TargetOrigin(Labelled):
    """Where a recommendation's target date comes from."""

    SOURCE = "source", "The source", "The source itself sets the date."
    COMMITMENT = (
        "commitment",
        "An actor's own commitment",
        "An actor addressed committed to the date.",
    )
    EDITOR = "editor", "The editor", "Tracker's editors set the date to judge it against."


class Likelihood(Labelled):
    """The ICD 203 likelihood words; a forecast stated by one means the midpoint of its band."""

    ALMOST_NO_CHANCE = "almost_no_chance", "Almost no chance", "1-5%"
    VERY_UNLIKELY = "very_unlikely", "Very unlikely", "5-20%"
    UNLIKELY = "unlikely", "Unlikely", "20-45%"
    EVEN_CHANCE = "roughly_even_chance", "Roughly even chance", "45-55%"
    LIKELY = "likely", "Likely", "55-80%"
    VERY_LIKELY = "very_likely", "Very likely", "80-95%"
    ALMOST_CERTAIN = "almost_certain", "Almost certain", "95-99%"

    @property
    def permille(self) -> int:
        """The probability the word stands for, in thousandths: its band's midpoint."""
        low, high = (int(end) for end in self.definition.rstrip("%").split("-"))
        return (low + high) * 5


# How far along a status is, for "by D it will be S or better": Stalled (steps taken, then
# stopped) ranks above No action and below In progress; Overtaken by events and Not yet
# assessed meet no threshold.
FORECAST_RANKS = {
    Status.CONTRADICTED: 0,
    Status.NO_ACTION: 1,
    Status.STALLED: 2,
    Status.IN_PROGRESS: 3,
    Status.PARTIAL: 4,
    Status.IMPLEMENTED: 5,
}
# The thresholds a forecast can name.
FORECAST_THRESHOLDS = (Status.NO_ACTION, Status.IN_PROGRESS, Status.PARTIAL, Status.IMPLEMENTED)


def meets(status: Status, threshold: Status) -> bool:
    """Whether `status` is `threshold` or better."""
    rank = FORECAST_RANKS.get(status)
    return rank is not None and rank >= FORECAST_RANKS[threshold]
