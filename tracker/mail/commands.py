"""The mail worker: `tracker worker` runs Huey's consumer, whose tasks send the outbox.

Each step of sending is a transaction of its own (see operations.py): plan, claim, send
outside any transaction, mark sent or failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from ..db import get_engine, sessions
from ..models import utcnow
from ..vocabulary import MailFrequency
from .messages import compose
from .operations import (
    PlanningConflict,
    Settings,
    claim_next,
    mark_failed,
    mark_sent,
    next_wake,
    plan_digests,
    plan_immediate,
    plan_reminders,
)
from .queue import mail_enabled, make_huey, settings_of, site_url
from .smtp import MailConfigError, SmtpServer

if TYPE_CHECKING:
    from huey import Huey

logger = logging.getLogger(__name__)

# Every this many minutes the worker looks for what is due, whatever woke it or not.
SWEEP_MINUTES = 5


def writing_session(app: Flask) -> Session:
    """A session that, on SQLite, holds the write lock from its first statement."""
    engine = get_engine(app).execution_options(sqlite_immediate=True)
    return sessions(app)(bind=engine)


def plan(app: Flask, planner: Callable[[Session, Settings], int]) -> None:
    """Plan e-mails in one transaction; if another worker planned them first, leave it."""
    if not mail_enabled(app):
        return
    with writing_session(app) as session:
        try:
            planner(session, settings_of(app))
            session.commit()
        except PlanningConflict:
            session.rollback()


def plan_all_immediate(session: Session, settings: Settings) -> int:
    planned = 0
    while count := plan_immediate(session, settings):
        planned += count
        session.flush()
    return planned


def deliver_due(app: Flask) -> int:
    """Plan the e-mails notifications call for, then send every one that is due; count them."""
    if not mail_enabled(app):
        return 0
    settings = settings_of(app)
    server = SmtpServer.from_url(app.config["SMTP_URL"])
    plan(app, plan_all_immediate)
    sent = 0
    connection: smtplib.SMTP | None = None
    tried: list[int] = []  # each is tried once a pass: a failure waits for its next attempt
    try:
        while True:
            with writing_session(app) as session:
                claimed = claim_next(session, settings, tried)
                if claimed is not None:
                    with app.test_request_context(base_url=site_url(app)):
                        message = compose(claimed, settings.sender)
                session.commit()
            if claimed is None:
                break
            delivery_id = claimed.delivery.id
            tried.append(delivery_id)
            try:
                if connection is None:
                    connection = server.connect()
                connection.send_message(message)
            except (smtplib.SMTPException, OSError) as error:
                logger.warning("e-mail %s not sent: %s", delivery_id, describe(error))
                connection = hang_up(connection)
                with writing_session(app) as session:
                    mark_failed(session, delivery_id, describe(error), settings)
                    session.commit()
            else:
                with writing_session(app) as session:
                    mark_sent(session, delivery_id)
                    session.commit()
                sent += 1
    finally:
        hang_up(connection)
    return sent


def describe(error: BaseException) -> str:
    """The server's answer, or what went wrong on the way, in one line."""
    if isinstance(error, smtplib.SMTPResponseException):
        answer = error.smtp_error
        text = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
        return f"{error.smtp_code} {text}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {text.decode(errors='replace')}"
            for address, (code, text) in error.recipients.items()
        )
    return f"{type(error).__name__}: {error}"


def hang_up(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


# Where a worker notes that it swept the queue: when it starts, then every SWEEP_MINUTES.
SWEPT = "mail.swept"


@dataclass
class Queue:
    """The app's Huey and the task that wakes the worker."""

    huey: Huey
    deliver: Any  # a Huey task: calling it enqueues it

    def last_swept(self) -> dt.datetime | None:
        """When a worker last swept the queue (None: never, or the queue does not answer)."""
        try:
            swept: dt.datetime | None = self.huey.get(SWEPT, peek=True)
        except Exception as error:
            logger.warning("mail queue not read: %s", error)
            return None
        return swept

    def wake(self) -> None:
        """Ask the worker to send what is due; a queue that does not answer is only logged."""
        try:
            self.deliver()
        except Exception as error:  # the sweep sends it all the same
            logger.warning("mail worker not woken: %s", error)


def queue(app: Flask) -> Queue:
    """The app's queue with its tasks, made when first needed (a site without e-mail never)."""
    existing: Queue | None = app.extensions.get("tracker.mail_queue")
    if existing is not None:
        return existing
    from huey import crontab  # imported with the queue: see `make_huey`

    huey = make_huey(app)
    hour = str(app.config["MAIL_DIGEST_HOUR"])

    @huey.task(name="mail.deliver")
    def deliver() -> None:
        with app.app_context():
            deliver_due(app)
            with sessions(app)() as session:
                wake_at = next_wake(session)
        # An e-mail due again before the next sweep gets a wake-up of its own.
        delay = (wake_at - utcnow()).total_seconds() if wake_at is not None else None
        if delay is not None and delay < SWEEP_MINUTES * 60 and not huey.immediate:
            deliver.schedule(delay=max(1.0, delay))

    @huey.on_startup()
    def started() -> None:
        huey.put(SWEPT, utcnow())

    @huey.periodic_task(crontab(minute=f"*/{SWEEP_MINUTES}"), name="mail.sweep")
    def sweep() -> None:
        huey.put(SWEPT, utcnow())
        deliver()

    @huey.periodic_task(crontab(minute="0", hour=hour), name="mail.daily")
    def daily() -> None:
        with app.app_context():
            send_digests(app, MailFrequency.DAILY)
            send_reminders(app, dt.date.today())

    @huey.periodic_task(crontab(minute="0", hour=hour, day_of_week="1"), name="mail.weekly")
    def weekly() -> None:
        with app.app_context():
            send_digests(app, MailFrequency.WEEKLY)

    made = Queue(huey, deliver)
    app.extensions["tracker.mail_queue"] = made
    return made


def send_digests(app: Flask, frequency: MailFrequency) -> int:
    """The digests' periodic task: plan one for each user of `frequency`, then send."""
    plan(app, lambda session, settings: plan_digests(session, settings, frequency))
    return deliver_due(app)


def send_reminders(app: Flask, today: dt.date) -> int:
    """The reminders' periodic task: plan those due on `today`, then send."""
    plan(app, lambda session, settings: plan_reminders(session, settings, today))
    return deliver_due(app)


@click.command("worker")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Where the site is served (for links)."
)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 16))
@with_appcontext
def worker_command(host: str, port: int, threads: int) -> None:
    """Send e-mail: notifications, digests and review-due reminders, until stopped.

    Links in e-mails name TRACKER_BASE_URL if it is set, otherwise the host and port the site
    is served on. Without TRACKER_SMTP_URL it runs and sends nothing.
    """
    # Imported here: the application's commands import the account views, which import this area.
    from ..commands import site_address

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    app.config["BASE_URL"] = site_address(host, port)
    if mail_enabled(app):
        try:
            server = SmtpServer.from_url(app.config["SMTP_URL"])
        except MailConfigError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Mail worker: sending through {server.describe()}; links to {site_url(app)}")
    else:
        click.echo("Mail worker: TRACKER_SMTP_URL is not set, so e-mail is off.")
    # Huey's consumer and the sending report on standard error: starts, stops, failed sends.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    mail = queue(app)
    mail.wake()  # whatever was left waiting, by a worker stopped or killed
    consumer = mail.huey.create_consumer(workers=threads, periodic=True, worker_type="thread")
    consumer.run()
