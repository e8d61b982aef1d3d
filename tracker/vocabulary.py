"""The analysts' controlled vocabulary: statuses, grades, confidence and roles."""

from __future__ import annotations

import enum


def N_(text: str) -> str:
    """Mark `text` for the catalogues; it is translated where it is shown (`Labelled.label`)."""
    return text


def translate(text: str, **variables: object) -> str:
    """`text` in the language of the request being answered (English outside one)."""
    # Imported here, when a label is read: the models and the seeds import no Flask.
    from flask_babel import gettext

    return gettext(text, **variables) if text else text


# The vocabulary's labels and definitions in each language, by language and English text: a
# page's lists read the same few of them many times over.
_translated: dict[tuple[str, str], str] = {}


def translate_term(text: str) -> str:
    """`translate` for the vocabulary's own texts, each looked up once per language."""
    from .i18n import language

    key = (language(), text)
    found = _translated.get(key)
    if found is None:
        found = _translated[key] = translate(text)
    return found


class Labelled(enum.StrEnum):
    """A string enum whose members carry a label and a one-line definition, both translated
    into the reader's language when read; `english_label` is the catalogue's key."""

    english_label: str
    english_definition: str

    def __new__(cls, value: str, label: str, definition: str = "") -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.english_label = label
        member.english_definition = definition
        return member

    @property
    def label(self) -> str:
        return translate_term(self.english_label)

    @property
    def definition(self) -> str:
        return translate_term(self.english_definition)


class Status(Labelled):
    NOT_ASSESSED = (
        "not_assessed",
        N_("Not yet assessed"),
        N_("Nobody has recorded an assessment yet."),
    )
    NO_ACTION = (
        "no_action",
        N_("No action"),
        N_("Assessed: the actors addressed have done nothing towards it."),
    )
    IN_PROGRESS = "in_progress", N_("In progress"), N_("Concrete steps are under way.")
    PARTIAL = (
        "partially_implemented",
        N_("Partially implemented"),
        N_("Some of what was recommended has happened, not all."),
    )
    IMPLEMENTED = "implemented", N_("Implemented"), N_("What was recommended has happened.")
    STALLED = "stalled", N_("Stalled"), N_("Steps were taken, then stopped.")
    CONTRADICTED = (
        "contradicted",
        N_("Contradicted"),
        N_("An actor did the opposite of what was recommended."),
    )
    OVERTAKEN = (
        "overtaken",
        N_("Overtaken by events"),
        N_("The recommendation no longer applies: its premise is gone."),
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
    LOW = "low", N_("Low"), N_("Thin or fragmentary evidence, or reasoning with significant gaps.")
    MODERATE = (
        "moderate",
        N_("Moderate"),
        N_("Credible evidence and plausible reasoning, but not enough to rule out alternatives."),
    )
    HIGH = (
        "high",
        N_("High"),
        N_("Good-quality evidence from several sources, and sound reasoning."),
    )


class Reliability(Labelled):
    """Admiralty grade of the source of a piece of evidence."""

    A = "A", N_("Completely reliable")
    B = "B", N_("Usually reliable")
    C = "C", N_("Fairly reliable")
    D = "D", N_("Not usually reliable")
    E = "E", N_("Unreliable")
    F = "F", N_("Reliability cannot be judged")


class Credibility(Labelled):
    """Admiralty grade of the information itself."""

    CONFIRMED = "1", N_("Confirmed by other sources")
    PROBABLE = "2", N_("Probably true")
    POSSIBLE = "3", N_("Possibly true")
    DOUBTFUL = "4", N_("Doubtful")
    IMPROBABLE = "5", N_("Improbable")
    UNKNOWN = "6", N_("Truth cannot be judged")


class Stance(Labelled):
    SUPPORTS = "supports", N_("Supports"), N_("The evidence supports the assessment.")
    CONTRADICTS = "contradicts", N_("Contradicts"), N_("The evidence contradicts the assessment.")


class RevisionKind(Labelled):
    ORIGINAL = "original", N_("Logged")
    CORRECTION = "correction", N_("Corrected")
    RETRACTION = "retraction", N_("Retracted")


class DatePrecision(Labelled):
    DAY = "day", N_("Day")
    MONTH = "month", N_("Month")
    YEAR = "year", N_("Year")


class SourceKind(Labelled):
    ARTICLE = "article", N_("Article")
    REPORT = "report", N_("Report")
    PAPER = "paper", N_("Paper")
    OTHER = "other", N_("Other")


class Role(Labelled):
    """Roles in increasing order of power: each can do all the previous ones can."""

    VIEWER = "viewer", N_("Viewer"), N_("Reads everything.")
    ANALYST = "analyst", N_("Analyst"), N_("Also logs status updates.")
    EDITOR = "editor", N_("Editor"), N_("Also edits recommendations and sources.")
    ADMIN = "admin", N_("Admin"), N_("Also manages users.")

    @property
    def rank(self) -> int:
        return ROLE_RANKS[self]

    def can(self, needed: Role) -> bool:
        return ROLE_RANKS[self] >= ROLE_RANKS[needed]


# Asked twice an update on a timeline page (may this reader correct it, retract it?).
ROLE_RANKS = {role: rank for rank, role in enumerate(Role)}


class MailFrequency(Labelled):
    """How often a user wants their notifications by e-mail."""

    IMMEDIATE = (
        "immediate",
        N_("Immediately"),
        N_("One e-mail for each notification, as it comes."),
    )
    DAILY = "daily", N_("Daily digest"), N_("One e-mail a day listing the day's notifications.")
    WEEKLY = (
        "weekly",
        N_("Weekly digest"),
        N_("One e-mail a week, on Mondays, listing the week's."),
    )
    NEVER = "never", N_("Never"), N_("No e-mail: notifications stay in the app.")


class MailState(Labelled):
    """Where an e-mail of the outbox stands."""

    QUEUED = (
        "queued",
        N_("Waiting"),
        N_("Not sent yet: its next attempt is due at the time shown."),
    )
    SENT = "sent", N_("Sent"), N_("The mail server accepted it.")
    FAILED = "failed", N_("Failed"), N_("Every attempt failed: an admin can try it again.")
    DROPPED = (
        "dropped",
        N_("Dropped"),
        N_("Not sent: the account stopped e-mail or was disabled."),
    )


class TargetOrigin(Labelled):
    """Where a recommendation's target date comes from."""

    SOURCE = "source", N_("The source"), N_("The source itself sets the date.")
    COMMITMENT = (
        "commitment",
        N_("An actor's own commitment"),
        N_("An actor addressed committed to the date."),
    )
    EDITOR = "editor", N_("The editor"), N_("Tracker's editors set the date to judge it against.")


class CriterionKind(Labelled):
    """What a criterion, written before the evidence comes in, is a test of."""

    COMPLETION = "completion", N_("Completion"), N_("What must happen for “Implemented”.")
    SUCCESS = "success", N_("Success"), N_("What it should achieve.")
    FAILURE = "failure", N_("Failure"), N_("What would show it failed.")


class Verdict(Labelled):
    """What a status update says of a criterion."""

    MET = "met", N_("Met"), N_("The evidence shows it happened.")
    NOT_MET = "not_met", N_("Not met"), N_("The evidence shows it has not happened.")
    UNCLEAR = "unclear", N_("Unclear"), N_("The evidence does not settle it.")


class Direction(Labelled):
    """Which way a signpost points when it is observed."""

    TOWARDS = (
        "towards",
        N_("Towards implementation"),
        N_("Seeing it makes implementation more likely."),
    )
    AWAY = "away", N_("Away from implementation"), N_("Seeing it makes implementation less likely.")


class Diagnosticity(Labelled):
    """How well seeing a signpost tells implementation and its absence apart."""

    WEAK = (
        "weak",
        N_("Weak"),
        N_("Seen almost as often either way: it barely tells the cases apart."),
    )
    MODERATE = (
        "moderate",
        N_("Moderate"),
        N_("Clearly more often seen in the case it points to than in the other."),
    )
    STRONG = "strong", N_("Strong"), N_("Seldom seen unless the case it points to holds.")


class Likelihood(Labelled):
    """The ICD 203 likelihood words; a forecast stated by one means the midpoint of its band."""

    ALMOST_NO_CHANCE = "almost_no_chance", N_("Almost no chance"), "1-5%"
    VERY_UNLIKELY = "very_unlikely", N_("Very unlikely"), "5-20%"
    UNLIKELY = "unlikely", N_("Unlikely"), "20-45%"
    EVEN_CHANCE = "roughly_even_chance", N_("Roughly even chance"), "45-55%"
    LIKELY = "likely", N_("Likely"), "55-80%"
    VERY_LIKELY = "very_likely", N_("Very likely"), "80-95%"
    ALMOST_CERTAIN = "almost_certain", N_("Almost certain"), "95-99%"

    @property
    def permille(self) -> int:
        """The probability the word stands for, in thousandths: its band's midpoint."""
        low, high = (int(end) for end in self.english_definition.rstrip("%").split("-"))
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
