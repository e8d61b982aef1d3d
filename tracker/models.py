"""The database schema: sources, their recommendations, and the history of each."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .vocabulary import (
    Confidence,
    Credibility,
    CriterionKind,
    DatePrecision,
    Diagnosticity,
    Direction,
    Likelihood,
    MailFrequency,
    MailState,
    Reliability,
    RevisionKind,
    Role,
    SourceKind,
    Stance,
    Status,
    TargetOrigin,
    Verdict,
)

# Every constraint gets a predictable name, so that batch migrations on SQLite can drop it.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp, stored the same way on SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def vocabulary(enum_class: type[enum.Enum]) -> Enum:
    """Store a vocabulary by value, checked by the database."""
    return Enum(
        enum_class,
        name=enum_class.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # How comments mention them ("@ana-analyst"): made from the name, unique, never the e-mail.
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(vocabulary(Role), default=Role.VIEWER)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When they last marked the dashboard's changes, and My work's new assignments, as seen;
    # None: nothing seen yet, so what came after the account was made counts.
    changes_seen_at: Mapped[dt.datetime | None]
    assignments_seen_at: Mapped[dt.datetime | None]
    # How often notifications reach them by e-mail, and since when that holds: notifications
    # made before it are never mailed (turning e-mail on sends no backlog).
    mail_frequency: Mapped[MailFrequency] = mapped_column(
        vocabulary(MailFrequency), default=MailFrequency.DAILY, server_default="daily"
    )
    mail_since: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The interface language they chose; None: their browser's (Accept-Language).
    language: Mapped[str | None] = mapped_column(String(16))

    def can(self, needed: Role) -> bool:
        return self.active and self.role.can(needed)

    # What Flask-Login asks of a user, written out so that the models import no Flask.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.email} ({self.role})>"


class Translated:
    """Content written in one language (`language`) that may carry translations of its title
    and summary: `{"ar": {"title": "...", "summary": "..."}}`. The passage is never translated:
    it stays the source's own words."""

    language: Mapped[str]
    translations: Mapped[dict[str, dict[str, str]]]

    def translation(self, language: str, field: str) -> str | None:
        return (self.translations or {}).get(language, {}).get(field) or None

    def language_of(self, language: str, field: str) -> str:
        """The language `field` is shown in to a reader of `language`."""
        if language != self.language and self.translation(language, field):
            return language
        return self.language

    def text_in(self, language: str, field: str) -> str:
        """`field` for a reader of `language`: its translation when there is one."""
        if language != self.language:
            translated = self.translation(language, field)
            if translated:
                return translated
        return getattr(self, field, None) or ""


def translations_column() -> Mapped[dict[str, dict[str, str]]]:
    return mapped_column(JSON, default=dict, server_default="{}")


class Source(Translated, Base):
    """A document that makes recommendations: an article, a report, a paper."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[SourceKind] = mapped_column(vocabulary(SourceKind))
    title: Mapped[str] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(200))
    publisher: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    published_on: Mapped[dt.date] = mapped_column(Date)
    date_precision: Mapped[DatePrecision] = mapped_column(vocabulary(DatePrecision))
    text: Mapped[str | None] = mapped_column(Text)
    # Shown to anonymous readers when the site is public (TRACKER_PUBLIC); an editor's choice.
    published: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The language it is written in (a BCP 47 code): its title and text, and so the passages.
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    translations: Mapped[dict[str, dict[str, str]]] = translations_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Counts the saved edits; a form carries it, so a save over a newer edit is refused.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="source", order_by="Recommendation.position", lazy="raise"
    )

    @property
    def published_label(self) -> str:
        """Show the publication date no more precisely than it is known."""
        formats = {
            DatePrecision.DAY: "%-d %B %Y",
            DatePrecision.MONTH: "%B %Y",
            DatePrecision.YEAR: "%Y",
        }
        return self.published_on.strftime(formats[self.date_precision])


class Theme(Base):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Actor(Base):
    """Whom a recommendation is addressed to: a government, an organisation, a group."""

    __tablename__ = "actor"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))


recommendation_actor = Table(
    "recommendation_actor",
    Base.metadata,
    Column("recommendation_id", ForeignKey("recommendation.id"), primary_key=True),
    Column("actor_id", ForeignKey("actor.id"), primary_key=True),
)


recommendation_co_owner = Table(
    "recommendation_co_owner",
    Base.metadata,
    Column("recommendation_id", ForeignKey("recommendation.id"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True, index=True),
)


class Recommendation(Translated, Base):
    __tablename__ = "recommendation"
    __table_args__ = (Index(None, "source_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    passage: Mapped[str] = mapped_column(Text)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id"), index=True)
    condition: Mapped[str | None] = mapped_column(Text)
    # Its source's language, which its title, summary and passage are written in.
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    translations: Mapped[dict[str, dict[str, str]]] = translations_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # The update in force now and what it says, and the highest step on the way to
    # implementation (`Status.step`) that any of its updates not retracted holds: kept by the
    # one write path (`status_updates.refresh_current_updates`), so that where things stand
    # now, and whether that is a regression, is read from this row however long the history.
    current_update_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_update.id", use_alter=True), index=True
    )
    current_status: Mapped[Status | None] = mapped_column(vocabulary(Status))
    current_as_of: Mapped[dt.date | None] = mapped_column(Date)
    current_logged_at: Mapped[dt.datetime | None]
    held_step: Mapped[int | None]
    # Who answers for keeping it reviewed; co-owners share the work.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # Its own review cadence in days; None follows TRACKER_REVIEW_EVERY_DAYS.
    review_every_days: Mapped[int | None]

    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="raise")
    co_owners: Mapped[list[User]] = relationship(
        secondary=recommendation_co_owner, order_by=User.name, lazy="raise"
    )

    source: Mapped[Source] = relationship(back_populates="recommendations", lazy="raise")
    theme: Mapped[Theme] = relationship(lazy="raise")
    actors: Mapped[list[Actor]] = relationship(
        secondary=recommendation_actor, order_by=Actor.name, lazy="raise"
    )
    updates: Mapped[list[StatusUpdate]] = relationship(
        back_populates="recommendation",
        foreign_keys="StatusUpdate.recommendation_id",
        lazy="raise",
    )


class StatusUpdate(Base):
    """An analyst's dated judgement of where a recommendation stands.

    Its fields show its latest revision; every revision, the first included, is kept in
    `StatusRevision`, so a correction or a retraction never loses what was shown before.
    """

    __tablename__ = "status_update"
    __table_args__ = (
        Index(None, "recommendation_id", "as_of", "created_at"),
        # When each recommendation was last logged: one index seek, however long its history.
        Index("ix_status_update_recommendation_id_created_at", "recommendation_id", "created_at"),
        Index(None, "as_of"),
        # Whether a recommendation ever held a status (the dashboard's regressions): a seek.
        # Status first, so that when each was last logged still reads the index above.
        Index(
            "ix_status_update_status_recommendation_id_as_of",
            "status",
            "recommendation_id",
            "as_of",
        ),  # fmt: skip
        # What was logged since a moment (changes since one last looked): a range, not a scan.
        Index("ix_status_update_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    status: Mapped[Status] = mapped_column(vocabulary(Status))
    as_of: Mapped[dt.date] = mapped_column(Date)
    assessment: Mapped[str] = mapped_column(Text)
    confidence: Mapped[Confidence] = mapped_column(vocabulary(Confidence))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(default=1)
    corrected_at: Mapped[dt.datetime | None]
    retracted_at: Mapped[dt.datetime | None]
    retraction_reason: Mapped[str | None] = mapped_column(Text)
    # Why the status changed, when it moved backwards or jumped (tracker/status_updates.py).
    change_reason: Mapped[str | None] = mapped_column(Text)
    # Why the status stands against its criteria: "Implemented" with a completion criterion
    # not met (tracker/status_updates.py).
    criteria_reason: Mapped[str | None] = mapped_column(Text)
    # The key an imported update carries in the file, so importing it again adds nothing.
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Review before publishing: an editor other than the author approved it; the public sees
    # it from then on (tracker/publishing.py), and known-on counts from then for them.
    approved_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    recommendation: Mapped[Recommendation] = relationship(
        back_populates="updates", foreign_keys=[recommendation_id], lazy="raise"
    )
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id], lazy="raise")
    # The evidence of the latest revision; `all_evidence` keeps what corrections replaced.
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="update",
        primaryjoin="and_(Evidence.update_id == StatusUpdate.id, Evidence.withdrawn_in.is_(None))",
        order_by="(Evidence.position, Evidence.id)",
        lazy="raise",
    )
    all_evidence: Mapped[list[Evidence]] = relationship(
        order_by="(Evidence.position, Evidence.id)", lazy="raise", viewonly=True
    )
    revisions: Mapped[list[StatusRevision]] = relationship(
        back_populates="update", order_by="StatusRevision.number", lazy="raise"
    )
    # What it says of each of the recommendation's criteria it marks.
    marks: Mapped[list[CriterionMark]] = relationship(
        order_by="CriterionMark.id", lazy="raise", viewonly=True
    )

    @property
    def retracted(self) -> bool:
        return self.retracted_at is not None

    def evidence_in(self, revision: int) -> list[Evidence]:
        """The evidence the update cited in that revision; needs `all_evidence` loaded."""
        return [item for item in self.all_evidence if item.cited_in(revision)]


class StatusRevision(Base):
    """One revision of a status update: as first logged, corrected, or retracted. Never changed."""

    __tablename__ = "status_revision"
    __table_args__ = (UniqueConstraint("update_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("status_update.id"))
    number: Mapped[int]
    kind: Mapped[RevisionKind] = mapped_column(vocabulary(RevisionKind))
    status: Mapped[Status] = mapped_column(vocabulary(Status))
    as_of: Mapped[dt.date] = mapped_column(Date)
    assessment: Mapped[str] = mapped_column(Text)
    confidence: Mapped[Confidence] = mapped_column(vocabulary(Confidence))
    reason: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    update: Mapped[StatusUpdate] = relationship(back_populates="revisions", lazy="raise")
    author: Mapped[User] = relationship(lazy="raise")


class Review(Base):
    """ "Re-checked, no change": an owner looked on a date and found nothing to move the status.

    It restarts the review clock and never changes a status. Never changed.
    """

    __tablename__ = "review"
    __table_args__ = (Index(None, "recommendation_id", "checked_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    checked_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(2000))
    evidence_title: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    recommendation: Mapped[Recommendation] = relationship(lazy="raise")
    reviewer: Mapped[User] = relationship(lazy="raise")


class Assignment(Base):
    """A user made owner or co-owner of a recommendation, and by whom. Never changed."""

    __tablename__ = "assignment"
    __table_args__ = (Index(None, "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    co_owner: Mapped[bool] = mapped_column(default=False)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    recommendation: Mapped[Recommendation] = relationship(lazy="raise")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    by: Mapped[User | None] = relationship(foreign_keys=[by_id], lazy="raise")


class Watch(Base):
    """A user follows a recommendation, a source, an actor or a theme until they unwatch it.

    Unwatching ends the row; watching again starts a new one.
    """

    __tablename__ = "watch"
    __table_args__ = (Index(None, "kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # "recommendation", "source", "actor", "theme" or "view" (a saved view): what target_id names.
    kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]


class SavedView(Base):
    """A named dashboard filter a user keeps; its address shows it to anyone logged in.

    Deleting one marks it deleted: its audit events keep naming a row.
    """

    __tablename__ = "saved_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Its address: random, so that the addresses of other views cannot be guessed from it.
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The dashboard's query arguments it keeps, by name ("theme": "security-cooperation").
    query: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[dt.datetime | None]

    owner: Mapped[User] = relationship(lazy="raise")


class Notification(Base):
    """Something a user watches changed: written in the transaction of the change itself."""

    __tablename__ = "notification"
    __table_args__ = (Index(None, "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # "update", "correction", "retraction", "review" or "mention".
    kind: Mapped[str] = mapped_column(String(32))
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    # The status update, review or comment it is about.
    ref_id: Mapped[int]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    # The saved view the change matched, when the user heard of it by watching that view.
    view_id: Mapped[int | None] = mapped_column(ForeignKey("saved_view.id"))
    # The e-mail that carries it, once the mail worker has planned one.
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("mail_delivery.id"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    by: Mapped[User | None] = relationship(foreign_keys=[by_id], lazy="raise")
    recommendation: Mapped[Recommendation] = relationship(lazy="raise")
    view: Mapped[SavedView | None] = relationship(lazy="raise")


class Comment(Base):
    """A remark on a recommendation, or on one of its status updates: discussion, not evidence.

    It never changes a status. Its body shows its latest revision; every revision, the first
    included, is kept in `CommentRevision`. An editor may hide it, with a reason; it is never
    deleted.
    """

    __tablename__ = "comment"
    __table_args__ = (Index(None, "recommendation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    # None: on the recommendation itself.
    update_id: Mapped[int | None] = mapped_column(ForeignKey("status_update.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(default=1)
    hidden_at: Mapped[dt.datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    # The key an imported comment carries in the file, so importing it again adds nothing.
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    recommendation: Mapped[Recommendation] = relationship(lazy="raise")
    update: Mapped[StatusUpdate | None] = relationship(lazy="raise")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id], lazy="raise")
    revisions: Mapped[list[CommentRevision]] = relationship(
        back_populates="comment", order_by="CommentRevision.number", lazy="raise"
    )

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class CommentRevision(Base):
    """One revision of a comment's text: as first written, then each edit. Never changed."""

    __tablename__ = "comment_revision"
    __table_args__ = (UniqueConstraint("comment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"))
    number: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="revisions", lazy="raise")
    author: Mapped[User] = relationship(lazy="raise")


class FeedAddress(Base):
    """A private address of a user's notifications feed; only its SHA-256 hash is kept.

    Making a new one revokes the one before.
    """

    __tablename__ = "feed_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="raise")


class MailDelivery(Base):
    """One e-mail of the outbox: what it carries, and every attempt to send it.

    Planned by the mail worker from notifications and due reviews; claimed for a while
    (`claimed_until`) by the worker that sends it, and marked sent once the server accepts it.
    """

    __tablename__ = "mail_delivery"
    __table_args__ = (Index(None, "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # "notification" (one, sent at once), "digest" (daily or weekly) or "reminder".
    kind: Mapped[str] = mapped_column(String(16))
    # Stable across retries, so a copy that does get through twice reads as one message.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    state: Mapped[MailState] = mapped_column(vocabulary(MailState), default=MailState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="raise")


class MailReminder(Base):
    """A review-due reminder: one per owner, recommendation and due date, so once a period."""

    __tablename__ = "mail_reminder"
    __table_args__ = (UniqueConstraint("user_id", "recommendation_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    # The day its review fell due; for one never checked, the day it was added.
    due_on: Mapped[dt.date] = mapped_column(Date)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("mail_delivery.id"), index=True)

    recommendation: Mapped[Recommendation] = relationship(lazy="raise")


class Evidence(Base):
    """A source an analyst cites for a status update, graded on the Admiralty scale."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("status_update.id"), index=True)
    position: Mapped[int]
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str] = mapped_column(String(200))
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    excerpt: Mapped[str] = mapped_column(Text)
    stance: Mapped[Stance] = mapped_column(vocabulary(Stance))
    reliability: Mapped[Reliability] = mapped_column(vocabulary(Reliability))
    credibility: Mapped[Credibility] = mapped_column(vocabulary(Credibility))
    # A correction never changes an item: it withdraws it (in the revision it makes) and adds
    # the corrected one, so every revision's evidence stays as it was shown.
    added_in: Mapped[int] = mapped_column(default=1, server_default="1")
    withdrawn_in: Mapped[int | None]

    update: Mapped[StatusUpdate] = relationship(back_populates="evidence", lazy="raise")

    def cited_in(self, revision: int) -> bool:
        return self.added_in <= revision and (
            self.withdrawn_in is None or self.withdrawn_in > revision
        )

    @property
    def grade(self) -> str:
        """Write the two grades together, as analysts do: "B2"."""
        return f"{self.reliability.value}{self.credibility.value}"


class ContentVersion(Base):
    """A snapshot of a source or a recommendation after each save. Never changed."""

    __tablename__ = "content_version"
    __table_args__ = (UniqueConstraint("entity_type", "entity_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    number: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="raise")


class UserSession(Base):
    """A login: the browser holds its token, the database says whether it still holds."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="raise")


class AuditEvent(Base):
    """One write: who did what, when, with the values before and after. Never changed."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    remote_addr: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User | None] = relationship(lazy="raise")


class ApiToken(Base):
    """A personal token for the read API and the feeds; only its SHA-256 hash is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="raise")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class DataChange(Base):
    """A committed transaction that changed what pages show: the newest id versions the data.

    Written by the commit hook in tracker/caching.py, never by hand.
    """

    __tablename__ = "data_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TargetDate(Base):
    """A recommendation's target date as set, then as each change set it. Never changed.

    The latest is in force; the first is the original. Each change says why.
    """

    __tablename__ = "target_date"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    number: Mapped[int]
    target: Mapped[dt.date] = mapped_column(Date)
    origin: Mapped[TargetOrigin] = mapped_column(vocabulary(TargetOrigin))
    # Where exactly: the passage, the statement, the decision.
    detail: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="raise")


class Criterion(Base):
    """A test of a recommendation written in advance: completion, success or failure.

    Its wording is versioned in `CriterionVersion`: an edit adds a version, withdrawing it
    adds one that says so, and none is ever changed.
    """

    __tablename__ = "criterion"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    # Its place among the recommendation's criteria, from 1, in the order they were written.
    number: Mapped[int]
    kind: Mapped[CriterionKind] = mapped_column(vocabulary(CriterionKind))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="raise")
    versions: Mapped[list[CriterionVersion]] = relationship(
        order_by="CriterionVersion.number", lazy="raise", viewonly=True
    )


class CriterionVersion(Base):
    """A criterion's wording as written, then as each edit left it. Never changed."""

    __tablename__ = "criterion_version"
    __table_args__ = (UniqueConstraint("criterion_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    # A withdrawn criterion no longer counts from this version on; its history stays.
    withdrawn: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="raise")


class CriterionMark(Base):
    """What a status update says of one criterion: met, not met or unclear, and what shows it.

    Written with its update by tracker/status_updates.py. Never changed.
    """

    __tablename__ = "criterion_mark"
    __table_args__ = (UniqueConstraint("update_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("status_update.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"), index=True)
    verdict: Mapped[Verdict] = mapped_column(vocabulary(Verdict))
    # The evidence for the verdict, in the analyst's words (Markdown).
    note: Mapped[str] = mapped_column(Text, default="")

    criterion: Mapped[Criterion] = relationship(lazy="raise")


class Signpost(Base):
    """An observable event named in advance, pointing towards implementation or away. Never
    changed: a signpost is worth something only as it was written before it was seen."""

    __tablename__ = "signpost"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    number: Mapped[int]
    event: Mapped[str] = mapped_column(Text)
    direction: Mapped[Direction] = mapped_column(vocabulary(Direction))
    diagnosticity: Mapped[Diagnosticity] = mapped_column(vocabulary(Diagnosticity))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="raise")


class SignpostObservation(Base):
    """A signpost seen on a date, with graded evidence. Never changed but for its retraction:
    a wrong observation is retracted, with the reason, and a right one recorded."""

    __tablename__ = "signpost_observation"
    __table_args__ = (
        UniqueConstraint("signpost_id", "number"),
        Index(None, "observed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    signpost_id: Mapped[int] = mapped_column(ForeignKey("signpost.id"))
    number: Mapped[int]
    observed_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str] = mapped_column(String(200))
    reliability: Mapped[Reliability] = mapped_column(vocabulary(Reliability))
    credibility: Mapped[Credibility] = mapped_column(vocabulary(Credibility))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retracted_at: Mapped[dt.datetime | None]
    retracted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    retraction_reason: Mapped[str | None] = mapped_column(Text)

    signpost: Mapped[Signpost] = relationship(lazy="raise")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")
    retracted_by: Mapped[User | None] = relationship(foreign_keys=[retracted_by_id], lazy="raise")

    @property
    def grade(self) -> str:
        return f"{self.reliability.value}{self.credibility.value}"


blind_review_analyst = Table(
    "blind_review_analyst",
    Base.metadata,
    Column("review_id", ForeignKey("blind_review.id"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True, index=True),
)


class BlindReview(Base):
    """A recommendation put into blind review: analysts assess it, each unseen by the others.

    It collects independent assessments until its submissions end (an editor ends them, the
    last analyst asked submits, or its closing date passes), then an editor records the
    consensus as a status update, which closes it. Never deleted; each of those moments is
    set once.
    """

    __tablename__ = "blind_review"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    # 1 for a recommendation's first review, then 2, ...: how exports name it.
    number: Mapped[int]
    # The date the analysts judge the status as of; the consensus holds as of it too.
    as_of: Mapped[dt.date] = mapped_column(Date)
    # The last day submissions are taken, when the editor set one.
    closes_on: Mapped[dt.date | None] = mapped_column(Date)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    # None with `ended_at`: ended by the last analyst asked submitting.
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[dt.datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    consensus_update_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_update.id"), unique=True
    )

    recommendation: Mapped[Recommendation] = relationship(lazy="raise")
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id], lazy="raise")
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id], lazy="raise")
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id], lazy="raise")
    # The analysts asked; none: any analyst may submit.
    analysts: Mapped[list[User]] = relationship(
        secondary=blind_review_analyst, order_by=User.name, lazy="raise"
    )
    assessments: Mapped[list[IndependentAssessment]] = relationship(
        back_populates="review",
        order_by="(IndependentAssessment.submitted_at, IndependentAssessment.id)",
        lazy="raise",
    )
    consensus_update: Mapped[StatusUpdate | None] = relationship(lazy="raise")

    def submissions_over(self, today: dt.date) -> bool:
        """Whether it takes no more assessments: ended, closed, or past its closing date."""
        return (
            self.ended_at is not None
            or self.closed_at is not None
            or (self.closes_on is not None and self.closes_on < today)
        )


class IndependentAssessment(Base):
    """One analyst's own judgement in a blind review, made without seeing the others'.

    Never changed: one per analyst and review, a second is refused.
    """

    __tablename__ = "independent_assessment"
    __table_args__ = (UniqueConstraint("review_id", "assessor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("blind_review.id"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[Status] = mapped_column(vocabulary(Status))
    confidence: Mapped[Confidence] = mapped_column(vocabulary(Confidence))
    rationale: Mapped[str] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(2000))
    evidence_title: Mapped[str | None] = mapped_column(String(300))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    review: Mapped[BlindReview] = relationship(back_populates="assessments", lazy="raise")
    assessor: Mapped[User] = relationship(lazy="raise")


class Forecast(Base):
    """An analyst's forecast: by `resolves_on` the recommendation will be `threshold` or better,
    with a probability. Never changed but to annul it; a later one by the same analyst on the
    same recommendation supersedes it. Its outcome is read from the history, never stored.
    """

    __tablename__ = "forecast"
    __table_args__ = (
        UniqueConstraint("recommendation_id", "number"),
        CheckConstraint("probability >= 0 AND probability <= 1000", name="probability_range"),
        Index(None, "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    # Its place among the recommendation's forecasts, from 1: how an import matches it.
    number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    threshold: Mapped[Status] = mapped_column(vocabulary(Status))
    resolves_on: Mapped[dt.date] = mapped_column(Date)
    # In thousandths: 675 is 67.5%.
    probability: Mapped[int]
    # The ICD 203 word it was stated in, or None for an exact percentage.
    likelihood: Mapped[Likelihood | None] = mapped_column(vocabulary(Likelihood))
    reasoning: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    annulled_at: Mapped[dt.datetime | None]
    annulled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    annulment_reason: Mapped[str | None] = mapped_column(Text)

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")
    annulled_by: Mapped[User | None] = relationship(foreign_keys=[annulled_by_id], lazy="raise")
    recommendation: Mapped[Recommendation] = relationship(lazy="raise")

    @property
    def chance(self) -> float:
        """The probability stated, from 0 to 1."""
        return self.probability / 1000
