"""The outbox: which e-mails to send, claiming one to send it, and what became of each.

Notifications are written in the transaction of the change that causes them; the mail worker
then plans e-mails from them (one each for those who want them at once, a digest for the
others), and from due reviews (reminders). Each e-mail is a `MailDelivery` row. Sending one:

1. claim it in a transaction (`claim_next`): nobody else sends it while the claim holds;
2. send it over SMTP, outside any transaction, with the Message-ID stored in its row;
3. mark it sent in a transaction right after the server accepts it (`mark_sent`), or record
   the failure and when to try again (`mark_failed`).

A worker that dies between 1 and 3 leaves the claim to expire, and the e-mail is sent again:
if it died after the server accepted the message and before 3 committed, that is a second
copy, with the same Message-ID. That window is the time of one database commit.

Functions here add and flush; the worker (commands.py) commits each step on its own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from email.utils import parseaddr

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from .. import audit
from ..models import (
    MailDelivery,
    MailReminder,
    Notification,
    User,
    recommendation_co_owner,
    utcnow,
)
from ..moments import Moment
from ..standings import DashboardFilters, dashboard
from ..vocabulary import MailFrequency, MailState

# Planned this many at a time.
BATCH = 500
# However many times it failed, the next attempt comes within a day.
LONGEST_WAIT = dt.timedelta(days=1)


class PlanningConflict(Exception):
    """Another worker planned the same notifications first: roll back and leave them to it."""


@dataclass(frozen=True)
class Settings:
    """What the outbox needs of the configuration."""

    sender: str
    retry_seconds: int
    max_attempts: int
    claim_seconds: int
    review_every_days: int

    @property
    def domain(self) -> str:
        return parseaddr(self.sender)[1].rpartition("@")[2] or "tracker.invalid"


def new_message_id(settings: Settings) -> str:
    return f"<{uuid.uuid4().hex}@{settings.domain}>"


def set_frequency(
    session: Session, user: User, frequency: MailFrequency, *, action: str, by: User | None
) -> bool:
    """Change how often the user gets e-mail; False if it was so already. Audited."""
    if user.mail_frequency is frequency:
        return False
    before = user.mail_frequency
    user.mail_frequency = frequency
    # Notifications from before the change are not mailed: turning e-mail on sends no backlog.
    user.mail_since = utcnow()
    session.flush()
    audit.record(
        session, action, user=by, target=user,
        before={"mail_frequency": before.value}, after={"mail_frequency": frequency.value},
    )  # fmt: skip
    return True


def mailable(frequency: MailFrequency) -> Sequence:
    """The conditions on Notification and User for notifications waiting for an e-mail."""
    return (
        Notification.delivery_id.is_(None),
        User.active.is_(True),
        User.mail_frequency == frequency,
        Notification.created_at >= User.mail_since,
    )


def attach(session: Session, delivery: MailDelivery, notification_ids: Sequence[int]) -> None:
    """Make `delivery` carry these notifications, unless another worker planned them first."""
    attached = session.execute(
        update(Notification)
        .where(Notification.id.in_(notification_ids), Notification.delivery_id.is_(None))
        .values(delivery_id=delivery.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if attached != len(notification_ids):
        raise PlanningConflict


def plan_immediate(session: Session, settings: Settings) -> int:
    """Plan one e-mail for each notification of those who want them at once."""
    rows = session.execute(
        select(Notification.id, Notification.user_id)
        .join(User, User.id == Notification.user_id)
        .where(*mailable(MailFrequency.IMMEDIATE))
        .order_by(Notification.id)
        .limit(BATCH)
    ).all()
    for notification_id, user_id in rows:
        delivery = MailDelivery(
            user_id=user_id, kind="notification", message_id=new_message_id(settings)
        )
        session.add(delivery)
        session.flush()
        attach(session, delivery, [notification_id])
    return len(rows)


def plan_digests(session: Session, settings: Settings, frequency: MailFrequency) -> int:
    """Plan one digest for each user of this frequency with notifications waiting."""
    waiting: dict[int, list[int]] = defaultdict(list)
    for notification_id, user_id in session.execute(
        select(Notification.id, Notification.user_id)
        .join(User, User.id == Notification.user_id)
        .where(*mailable(frequency))
        .order_by(Notification.id)
    ):
        waiting[user_id].append(notification_id)
    for user_id, notification_ids in waiting.items():
        delivery = MailDelivery(user_id=user_id, kind="digest", message_id=new_message_id(settings))
        session.add(delivery)
        session.flush()
        for start in range(0, len(notification_ids), BATCH):
            attach(session, delivery, notification_ids[start : start + BATCH])
    return len(waiting)


def plan_reminders(session: Session, settings: Settings, today: dt.date) -> int:
    """Remind the owners of each recommendation due for review, once per due date.

    A recommendation's due date moves on with each update or review, so its owners hear of it
    again only when it falls due again. One e-mail per owner lists all that fell due.
    """
    board = dashboard(
        session,
        DashboardFilters(review="due"),
        Moment(today),
        review_every_days=settings.review_every_days,
    )
    due = {
        row.recommendation.id: row.due_on or row.recommendation.created_at.date()
        for row in board.rows
    }
    if not due:
        return 0
    owners: dict[int, set[int]] = defaultdict(set)
    for row in board.rows:
        if row.recommendation.owner_id is not None:
            owners[row.recommendation.id].add(row.recommendation.owner_id)
    for recommendation_id, user_id in session.execute(
        select(
            recommendation_co_owner.c.recommendation_id, recommendation_co_owner.c.user_id
        ).where(recommendation_co_owner.c.recommendation_id.in_(list(due)))
    ):
        owners[recommendation_id].add(user_id)
    reachable = set(
        session.scalars(
            select(User.id).where(
                User.id.in_({user for users in owners.values() for user in users}),
                User.active.is_(True),
                User.mail_frequency != MailFrequency.NEVER,
            )
        )
    )
    reminded = {
        (user_id, recommendation_id, due_on)
        for user_id, recommendation_id, due_on in session.execute(
            select(MailReminder.user_id, MailReminder.recommendation_id, MailReminder.due_on).where(
                MailReminder.recommendation_id.in_(list(due))
            )
        )
    }
    new: dict[int, list[int]] = defaultdict(list)
    for recommendation_id, users in owners.items():
        for user_id in users & reachable:
            if (user_id, recommendation_id, due[recommendation_id]) not in reminded:
                new[user_id].append(recommendation_id)
    for user_id, recommendation_ids in new.items():
        delivery = MailDelivery(
            user_id=user_id, kind="reminder", message_id=new_message_id(settings)
        )
        session.add(delivery)
        session.flush()
        session.add_all(
            MailReminder(
                user_id=user_id,
                recommendation_id=recommendation_id,
                due_on=due[recommendation_id],
                delivery_id=delivery.id,
            )
            for recommendation_id in sorted(recommendation_ids)
        )
    session.flush()
    return len(new)


@dataclass(frozen=True)
class Claimed:
    """A claimed e-mail and what it carries, loaded for composing."""

    delivery: MailDelivery
    user: User
    notifications: list[Notification]
    reminders: list[MailReminder]


def claim_next(session: Session, settings: Settings, tried: Collection[int] = ()) -> Claimed | None:
    """Claim the e-mail due first, and load what it carries; None when none is due.

    The caller commits the claim before sending. On SQLite the session holds the write lock
    from its first statement (`sqlite_immediate`); on PostgreSQL the row is locked, skipping
    rows another worker locked. An e-mail for an account that was disabled or stopped e-mail
    is dropped on the way. Those `tried` already (in this pass) wait for the next.
    """
    while True:
        now = utcnow()
        query = (
            select(MailDelivery)
            .where(
                MailDelivery.state == MailState.QUEUED,
                MailDelivery.next_attempt_at <= now,
                or_(MailDelivery.claimed_until.is_(None), MailDelivery.claimed_until < now),
                MailDelivery.id.not_in(list(tried)),
            )
            .order_by(MailDelivery.next_attempt_at, MailDelivery.id)
            .limit(1)
            .options(joinedload(MailDelivery.user))
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=MailDelivery)
        delivery = session.scalars(query).first()
        if delivery is None:
            return None
        user = delivery.user
        if not user.active or user.mail_frequency is MailFrequency.NEVER:
            delivery.state = MailState.DROPPED
            delivery.last_error = "the account was disabled or stopped e-mail"
            session.flush()
            continue
        delivery.claimed_until = now + dt.timedelta(seconds=settings.claim_seconds)
        delivery.attempts += 1
        session.flush()
        notifications = list(
            session.scalars(
                select(Notification)
                .where(Notification.delivery_id == delivery.id)
                .order_by(Notification.id)
                .options(joinedload(Notification.by), joinedload(Notification.recommendation))
            )
        )
        reminders = list(
            session.scalars(
                select(MailReminder)
                .where(MailReminder.delivery_id == delivery.id)
                .order_by(MailReminder.id)
                .options(joinedload(MailReminder.recommendation))
            )
        )
        return Claimed(delivery, user, notifications, reminders)


def mark_sent(session: Session, delivery_id: int) -> None:
    """The server accepted it: never send it again (once the caller commits, at once)."""
    session.execute(
        update(MailDelivery)
        .where(MailDelivery.id == delivery_id)
        .values(state=MailState.SENT, sent_at=utcnow(), claimed_until=None, last_error=None)
    )


def mark_failed(session: Session, delivery_id: int, error: str, settings: Settings) -> None:
    """Record why the attempt failed, and when to try again, or give up."""
    delivery = session.get_one(MailDelivery, delivery_id)
    delivery.last_error = error[:2000]
    delivery.claimed_until = None
    if delivery.attempts >= settings.max_attempts:
        delivery.state = MailState.FAILED
    else:
        wait = dt.timedelta(seconds=settings.retry_seconds * 2 ** (delivery.attempts - 1))
        delivery.next_attempt_at = utcnow() + min(wait, LONGEST_WAIT)
    session.flush()


def next_wake(session: Session) -> dt.datetime | None:
    """When the earliest e-mail still waiting may be tried: its next attempt or claim's end."""
    free_at = case(
        (MailDelivery.claimed_until > MailDelivery.next_attempt_at, MailDelivery.claimed_until),
        else_=MailDelivery.next_attempt_at,
    )
    return session.scalar(select(func.min(free_at)).where(MailDelivery.state == MailState.QUEUED))


def retry(session: Session, delivery: MailDelivery, *, by: User) -> bool:
    """Try a failed or waiting e-mail again now; False if it is sent, dropped or being sent."""
    now = utcnow()
    claimed = delivery.claimed_until is not None and delivery.claimed_until > now
    if delivery.state not in (MailState.FAILED, MailState.QUEUED) or claimed:
        return False
    before = {"state": delivery.state.value, "attempts": delivery.attempts}
    delivery.state = MailState.QUEUED
    delivery.next_attempt_at = now
    delivery.claimed_until = None
    session.flush()
    audit.record(
        session, "mail.retry", user=by, target=delivery,
        before=before, after={"state": delivery.state.value},
    )  # fmt: skip
    return True


@dataclass(frozen=True)
class Backlog:
    counts: dict[MailState, int]
    waiting: list[MailDelivery]
    failed: list[MailDelivery]
    sent: list[MailDelivery]
    unplanned: int


def backlog(session: Session, *, limit: int) -> Backlog:
    """What admins see: counts by state, the e-mails waiting and failed, the last sent."""
    counts = {state: 0 for state in MailState}
    for state, count in session.execute(
        select(MailDelivery.state, func.count()).group_by(MailDelivery.state)
    ):
        counts[state] = count

    def listed(state: MailState, order: Sequence) -> list[MailDelivery]:
        return list(
            session.scalars(
                select(MailDelivery)
                .where(MailDelivery.state == state)
                .order_by(*order)
                .limit(limit)
                .options(joinedload(MailDelivery.user))
            )
        )

    unplanned = session.scalar(
        select(func.count())
        .select_from(Notification)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.delivery_id.is_(None),
            User.active.is_(True),
            User.mail_frequency != MailFrequency.NEVER,
            Notification.created_at >= User.mail_since,
        )
    )
    return Backlog(
        counts=counts,
        waiting=listed(MailState.QUEUED, (MailDelivery.next_attempt_at, MailDelivery.id)),
        failed=listed(MailState.FAILED, (MailDelivery.id.desc(),)),
        sent=listed(MailState.SENT, (MailDelivery.sent_at.desc(), MailDelivery.id.desc())),
        unplanned=unplanned or 0,
    )
