"""Notifications by e-mail, sent to a real SMTP server (aiosmtpd) on a loopback port.

Nothing here mocks the sending: the app and the worker talk SMTP to the server, and the tests
read what arrived.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.mail.commands import SWEPT, deliver_due, send_digests, send_reminders
from tracker.mail.commands import queue as mail_queue
from tracker.mail.smtp import MailConfigError, SmtpServer
from tracker.models import (
    AuditEvent,
    DataChange,
    MailDelivery,
    MailReminder,
    Notification,
    Recommendation,
    StatusUpdate,
    User,
    recommendation_co_owner,
)
from tracker.vocabulary import MailFrequency, MailState, Role

from .conftest import Auth
from .helpers import SLUG, add_updates, squash, update_form
from .test_auth import REDIS_URL, redis_unavailable

URL = f"/recommendations/{SLUG}"
TRACKER = Path(sys.executable).with_name("tracker")


class Inbox:
    """What the SMTP server accepted; `refusing` makes it answer 451, `on_data` runs first."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusing = False
        self.on_data: Callable[[], bool] | None = None  # False: drop the message, answer 451
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.refusing:
            return "451 4.3.0 Mailbox busy, try again later"
        if self.on_data is not None and not self.on_data():
            return "451 4.3.0 Connection lost"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 60) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a loopback port, without TLS; stopped afterwards."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def mail_app(app: Flask, inbox: tuple[Inbox, int]) -> Flask:
    """The app sending through the test server; the queue runs each task at once."""
    app.config.update(
        SMTP_URL=f"smtp://127.0.0.1:{inbox[1]}?tls=none",
        HUEY_IMMEDIATE=True,
        BASE_URL="https://tracker.example.org",
        MAIL_FROM="Tracker <tracker@example.org>",
        MAIL_RETRY_SECONDS=0,
    )
    return app


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]


def to_name(message: EmailMessage) -> str:
    return message["To"].addresses[0].display_name


def fresh(db: Session) -> None:
    """See what requests and the worker committed since (the session keeps objects loaded)."""
    db.rollback()
    db.expire_all()


def set_frequency(db: Session, user: User, frequency: MailFrequency) -> None:
    fresh(db)
    stored = db.get_one(User, user.id)
    stored.mail_frequency = frequency
    stored.mail_since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.commit()


def watching(
    client: FlaskClient, auth: Auth, user: User, db: Session, frequency: MailFrequency
) -> None:
    """The user watches the recommendation, and wants e-mail at `frequency`."""
    set_frequency(db, user, frequency)
    auth.login(user)
    assert client.post(f"/watch/recommendation/{SLUG}").status_code == 302
    auth.logout()


def test_a_watcher_gets_an_email_at_once(
    mail_app: Flask, client: FlaskClient, db: Session, make_user, auth: Auth, inbox
) -> None:
    server, _port = inbox
    ada = make_user(Role.ANALYST, name="Ada Watcher", email="ada@example.org")
    bo = make_user(Role.ANALYST, name="Bo Colleague")
    watching(client, auth, ada, db, MailFrequency.IMMEDIATE)

    auth.login(bo)
    response = client.post(f"{URL}/updates/new", data=update_form(), follow_redirects=True)
    assert "Status update logged." in response.get_data(as_text=True)
    auth.logout()

    # In the app...
    auth.login(ada)
    assert 'id="unread-count">1<' in client.get("/notifications").get_data(as_text=True)
    # ...and by e-mail, once the change committed.
    [message] = server.wait_for(1)
    fresh(db)
    update_id = db.scalars(select(StatusUpdate.id)).one()
    assert message["To"] == "Ada Watcher <ada@example.org>"
    assert message["Subject"].startswith("New status update: ")
    assert message.get_content_type() == "multipart/alternative"
    link = f"https://tracker.example.org{URL}#update-{update_id}"
    assert link in text_of(message) and "by Bo Colleague" in text_of(message)
    assert f'href="{link}"' in html_of(message)
    unsubscribe = re.search(r"Unsubscribe in one click: (\S+)", text_of(message)).group(1)
    assert unsubscribe.startswith("https://tracker.example.org/unsubscribe/")
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    fresh(db)
    delivery = db.scalars(select(MailDelivery)).one()
    assert (delivery.state, delivery.attempts, delivery.kind) == (MailState.SENT, 1, "notification")
    assert message["Message-ID"] == delivery.message_id
    assert db.scalars(select(Notification.delivery_id)).one() == delivery.id
    # Nothing is sent twice: another pass finds nothing due.
    assert deliver_due(mail_app) == 0
    assert len(server.messages) == 1


def test_a_daily_digest_with_a_working_unsubscribe_link(
    mail_app: Flask, app: Flask, client: FlaskClient, db: Session, make_user, auth: Auth, inbox
) -> None:
    server, _port = inbox
    ada = make_user(Role.VIEWER, name="Ada Daily")
    bo = make_user(Role.ANALYST)
    watching(client, auth, ada, db, MailFrequency.DAILY)
    add_updates(db, bo, SLUG, 3)
    assert server.messages == []  # nothing until the digest

    assert send_digests(mail_app, MailFrequency.DAILY) == 1
    assert send_digests(mail_app, MailFrequency.DAILY) == 0  # the next finds nothing new
    [digest] = server.messages
    assert digest["Subject"] == "Your daily Tracker digest: 3 notifications"
    assert text_of(digest).count("New status update on") == 3
    assert html_of(digest).count("<strong>New status update</strong>") == 3

    unsubscribe = digest["List-Unsubscribe"].strip("<>")
    path = unsubscribe.removeprefix("https://tracker.example.org")
    # The link's page, with no login: a form that confirms.
    stranger = app.test_client()
    page = stranger.get(path)
    assert page.status_code == 200
    assert '<button type="submit">Unsubscribe</button>' in page.get_data(as_text=True)
    assert ada.email not in page.get_data(as_text=True)
    fresh(db)
    assert db.get_one(User, ada.id).mail_frequency is MailFrequency.DAILY  # a GET changes nothing

    # RFC 8058: the mail client POSTs, with no cookie and no CSRF token.
    app.config["WTF_CSRF_ENABLED"] = True
    one_click = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert "no more e-mail goes to this account" in one_click.get_data(as_text=True)
    assert "Set-Cookie" not in one_click.headers
    fresh(db)
    assert db.get_one(User, ada.id).mail_frequency is MailFrequency.NEVER
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "mail.unsubscribe"))
    assert (event.user_id, event.target_id) == (ada.id, ada.id)
    assert event.before == {"mail_frequency": "daily"} and event.after == {
        "mail_frequency": "never"
    }
    # Again: nothing more to do, and no second audit event.
    assert app.test_client().post(path).status_code == 200
    assert "gets no e-mail from Tracker already" in stranger.get(path).get_data(as_text=True)
    assert db.scalar(select(func.count()).where(AuditEvent.action == "mail.unsubscribe")) == 1
    # A token altered or made up: 404, nothing changes.
    assert stranger.get(path[:-2] + "xx").status_code == 404
    assert stranger.post("/unsubscribe/made-up").status_code == 404

    # Unsubscribed, the next digest is not sent.
    add_updates(db, bo, SLUG, 1, start=dt.date(2021, 1, 1))
    assert send_digests(mail_app, MailFrequency.DAILY) == 0
    assert len(server.messages) == 1


def test_each_frequency_gets_its_own_e_mail(
    mail_app: Flask, client: FlaskClient, db: Session, make_user, auth: Auth, inbox
) -> None:
    server, _port = inbox
    users = {frequency: make_user(Role.VIEWER, name=f"{frequency.label} reader")
             for frequency in MailFrequency}  # fmt: skip
    for frequency, user in users.items():
        watching(client, auth, user, db, frequency)
    add_updates(db, make_user(Role.ANALYST), SLUG, 2)
    assert [to_name(message) for message in server.wait_for(2)] == ["Immediately reader"] * 2

    assert send_digests(mail_app, MailFrequency.DAILY) == 1
    assert to_name(server.messages[-1]) == "Daily digest reader"
    assert send_digests(mail_app, MailFrequency.WEEKLY) == 1
    weekly = server.messages[-1]
    assert to_name(weekly) == "Weekly digest reader"
    assert weekly["Subject"] == "Your weekly Tracker digest: 2 notifications"
    assert len(server.messages) == 4  # and nothing for "never"
    fresh(db)
    never = db.scalars(
        select(Notification).where(Notification.user_id == users[MailFrequency.NEVER].id)
    )
    assert [notification.delivery_id for notification in never] == [None, None]


def test_smtp_refusing_then_recovering(
    mail_app: Flask, client: FlaskClient, db: Session, make_user, auth: Auth, inbox
) -> None:
    server, _port = inbox
    ada = make_user(Role.VIEWER)
    bo = make_user(Role.ANALYST)
    admin = make_user(Role.ADMIN, name="Ida Admin")
    watching(client, auth, ada, db, MailFrequency.IMMEDIATE)
    server.refusing = True
    mail_app.config["MAIL_RETRY_SECONDS"] = 3600

    # The change commits all the same; the e-mail waits for its next attempt.
    auth.login(bo)
    response = client.post(f"{URL}/updates/new", data=update_form(), follow_redirects=True)
    assert "Status update logged." in response.get_data(as_text=True)
    auth.logout()
    fresh(db)
    assert db.scalar(select(func.count()).select_from(StatusUpdate)) == 1
    delivery = db.scalars(select(MailDelivery)).one()
    assert (delivery.state, delivery.attempts) == (MailState.QUEUED, 1)
    assert delivery.last_error == "451 4.3.0 Mailbox busy, try again later"
    assert delivery.next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=59)
    assert deliver_due(mail_app) == 0  # not due yet

    auth.login(admin)
    page = squash(client.get("/admin/mail").get_data(as_text=True))
    assert 'id="count-queued">1<' in page
    assert "451 4.3.0 Mailbox busy, try again later" in page
    assert f'action="/admin/mail/{delivery.id}/retry"' in page

    # The server recovers; the admin retries now: delivered once.
    server.refusing = False
    response = client.post(f"/admin/mail/{delivery.id}/retry", follow_redirects=True)
    assert f"E-mail {delivery.id} will be tried again now." in response.get_data(as_text=True)
    assert len(server.wait_for(1)) == 1
    fresh(db)
    delivery = db.get_one(MailDelivery, delivery.id)
    assert (delivery.state, delivery.attempts, delivery.last_error) == (MailState.SENT, 2, None)
    assert db.scalar(select(func.count()).where(AuditEvent.action == "mail.retry")) == 1
    page = squash(client.get("/admin/mail").get_data(as_text=True))
    assert 'id="count-sent">1<' in page and 'id="count-queued">0<' in page
    response = client.post(f"/admin/mail/{delivery.id}/retry", follow_redirects=True)
    assert "is sent: nothing to retry" in response.get_data(as_text=True)
    assert deliver_due(mail_app) == 0 and len(server.messages) == 1


def test_retries_back_off_then_give_up_until_an_admin_retries(
    mail_app: Flask, client: FlaskClient, db: Session, make_user, auth: Auth, inbox
) -> None:
    server, port = inbox
    ada = make_user(Role.VIEWER)
    bo = make_user(Role.ANALYST)
    watching(client, auth, ada, db, MailFrequency.IMMEDIATE)
    # No server answers on this port: the change commits, the sending fails.
    mail_app.config.update(SMTP_URL=f"smtp://127.0.0.1:{free_port()}?tls=none", MAIL_MAX_ATTEMPTS=3)
    add_updates(db, bo, SLUG, 1)
    fresh(db)
    delivery = db.scalars(select(MailDelivery)).one()
    assert delivery.attempts == 1 and "ConnectionRefusedError" in (delivery.last_error or "")
    # Due again at once (MAIL_RETRY_SECONDS is 0 here); each pass tries it once. The outbox's
    # writes change no page: the page cache's data version stays.
    changes = db.scalar(select(func.count()).select_from(DataChange))
    assert deliver_due(mail_app) == 0
    assert deliver_due(mail_app) == 0
    fresh(db)
    assert db.scalar(select(func.count()).select_from(DataChange)) == changes
    fresh(db)
    delivery = db.get_one(MailDelivery, delivery.id)
    assert (delivery.state, delivery.attempts) == (MailState.FAILED, 3)

    admin = make_user(Role.ADMIN)
    auth.login(admin)
    page = squash(client.get("/admin/mail").get_data(as_text=True))
    assert 'id="count-failed">1<' in page and "none: gave up" in page
    mail_app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}?tls=none"
    client.post(f"/admin/mail/{delivery.id}/retry")
    assert len(server.wait_for(1)) == 1
    fresh(db)
    assert db.get_one(MailDelivery, delivery.id).state is MailState.SENT


def test_review_reminders_go_to_owners_once_per_due_date(
    mail_app: Flask, db: Session, make_user, inbox
) -> None:
    server, _port = inbox
    owner = make_user(Role.ANALYST, name="Olu Owner")
    co_owner = make_user(Role.ANALYST, name="Cy Co")
    quiet = make_user(Role.ANALYST, name="Quinn Quiet")
    set_frequency(db, quiet, MailFrequency.NEVER)
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    recommendation.owner_id = owner.id
    db.get_one(User, owner.id).language = "ar"  # their e-mail comes in Arabic, right to left
    db.execute(
        recommendation_co_owner.insert(),
        [
            {"recommendation_id": recommendation.id, "user_id": user.id}
            for user in (co_owner, quiet)
        ],
    )
    db.commit()
    today = dt.date.today()
    add_updates(db, owner, SLUG, 1, start=today - dt.timedelta(days=100))

    assert send_reminders(mail_app, today) == 2
    to = sorted(message["To"] for message in server.messages)
    assert to == [f"Cy Co <{co_owner.email}>", f"Olu Owner <{owner.email}>"]
    by_name = {to_name(message): message for message in server.messages}
    assert '<html lang="ar" dir="rtl">' in html_of(by_name["Olu Owner"])
    message = by_name["Cy Co"]
    assert '<html lang="en" dir="ltr">' in html_of(message)
    assert message["Subject"] == f"Due for review: {recommendation.title}"
    assert f"due since {today - dt.timedelta(days=10)}" in text_of(message)
    # The next day, the same due date: no second reminder.
    assert send_reminders(mail_app, today + dt.timedelta(days=1)) == 0
    # An update restarts the clock; when it falls due again, a new reminder.
    add_updates(db, owner, SLUG, 1, start=today - dt.timedelta(days=1))
    assert send_reminders(mail_app, today) == 0
    assert send_reminders(mail_app, today + dt.timedelta(days=89)) == 2
    assert db.scalar(select(func.count()).select_from(MailReminder)) == 4


def test_the_settings_page_with_and_without_a_mail_server(
    app: Flask, client: FlaskClient, db: Session, analyst: User
) -> None:
    page = client.get("/account").get_data(as_text=True)
    assert "E-mail is off on this site" in page
    assert 'checked id="mail_frequency-1"' in page

    app.config["SMTP_URL"] = "smtp://mail.example.org:587"
    page = client.get("/account").get_data(as_text=True)
    assert "E-mail is off" not in page and f"go to {analyst.email}" in page

    response = client.post("/account/email", data={"mail_frequency": "weekly"})
    assert response.status_code == 302 and response.headers["Location"] == "/account#email"
    fresh(db)
    assert db.get_one(User, analyst.id).mail_frequency is MailFrequency.WEEKLY
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "account.mail_frequency"))
    assert event.after == {"mail_frequency": "weekly"}
    assert 'checked id="mail_frequency-2"' in client.get("/account").get_data(as_text=True)

    # Sent empty, or with a choice that is none: the page again, saying what is wrong.
    for data in ({}, {"mail_frequency": "hourly"}):
        response = client.post("/account/email", data=data)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "There is a problem" in page
        assert "Choose how often." in page or "Not a valid choice" in page
    fresh(db)
    assert db.get_one(User, analyst.id).mail_frequency is MailFrequency.WEEKLY


def test_the_admin_mail_page_takes_a_constant_number_of_statements(
    app: Flask, client: FlaskClient, db: Session, make_user, auth: Auth, count_statements
) -> None:
    admin = make_user(Role.ADMIN)
    auth.login(admin)

    def statements() -> int:
        counter = count_statements()
        assert client.get("/admin/mail").status_code == 200
        return counter.count

    def add(count: int) -> None:
        for number in range(count):
            db.add(
                MailDelivery(
                    user_id=admin.id,
                    kind="notification",
                    message_id=f"<{number}-{time.time_ns()}@example.org>",
                    state=list(MailState)[number % 4],
                    last_error="421 busy",
                )
            )
        db.commit()

    add(4)
    few = statements()
    add(40)
    assert statements() == few


def test_smtp_urls() -> None:
    assert SmtpServer.from_url("smtp://user:p%40ss@mail.example.org") == SmtpServer(
        "mail.example.org", 587, "starttls", "user", "p@ss"
    )
    assert SmtpServer.from_url("smtps://mail.example.org").port == 465
    assert SmtpServer.from_url("smtp://127.0.0.1:2525?tls=none").security == "none"
    assert "p@ss" not in SmtpServer.from_url("smtp://u:p%40ss@h").describe()
    for wrong, says in [
        ("smtp://mail.example.org?tls=none", "only for a server on this machine"),
        ("smtps://127.0.0.1?tls=none", "always uses TLS"),
        ("http://mail.example.org", "must start with smtp://"),
        ("smtp://127.0.0.1?tls=maybe", "the only tls option"),
        ("smtp://127.0.0.1?verify=no", "unknown option verify"),
        ("smtp://", "names no host"),
    ]:
        with pytest.raises(MailConfigError, match=says):
            SmtpServer.from_url(wrong)


def test_a_server_without_starttls_gets_nothing(
    mail_app: Flask, db: Session, client: FlaskClient, make_user, auth: Auth, inbox
) -> None:
    """smtp:// asks for STARTTLS: a server (or a network) that does not offer it gets no mail."""
    server, port = inbox
    ada = make_user(Role.VIEWER)
    watching(client, auth, ada, db, MailFrequency.IMMEDIATE)
    mail_app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    add_updates(db, make_user(Role.ANALYST), SLUG, 1)
    assert server.messages == []
    fresh(db)
    delivery = db.scalars(select(MailDelivery)).one()
    assert "offers no STARTTLS" in (delivery.last_error or "")


def test_the_admin_page_says_when_the_worker_last_swept_the_queue(
    mail_app: Flask, client: FlaskClient, make_user, auth: Auth
) -> None:
    auth.login(make_user(Role.ADMIN))
    huey = mail_queue(mail_app).huey

    def said() -> str:
        page = squash(client.get("/admin/mail").text)
        return re.search(r'<p[^>]*id="worker-swept">(.*?)</p>', page).group(1)  # type: ignore[union-attr]

    assert said().startswith("No worker has swept the queue yet")
    huey.put(SWEPT, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11))
    assert "though it sweeps every 5 minutes: is <code>tracker worker</code> running?" in said()
    huey.put(SWEPT, dt.datetime.now(dt.UTC))
    assert said().startswith("The worker last swept the queue at")


def worker_environment(app: Flask, port: int, tmp_path: Path) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("TRACKER_")
    }
    environment.update(
        TRACKER_DATABASE_URL=app.config["DATABASE_URL"],
        TRACKER_SECRET_KEY=app.config["SECRET_KEY"],
        TRACKER_SMTP_URL=f"smtp://127.0.0.1:{port}?tls=none",
        TRACKER_QUEUE_PATH=str(tmp_path / "queue.sqlite3"),
        TRACKER_MAIL_CLAIM_SECONDS="2",
        TRACKER_MAIL_RETRY_SECONDS="1",
    )
    return environment


def start_worker(environment: dict[str, str], tmp_path: Path, name: str) -> subprocess.Popen:
    with (tmp_path / f"{name}.log").open("w") as log:  # the worker writes to its own copy
        return subprocess.Popen(
            [str(TRACKER), "worker", "--port", "5077"], env=environment, stdout=log, stderr=log
        )


def test_the_worker_killed_mid_delivery_sends_each_notification_once(
    app: Flask, client: FlaskClient, db: Session, make_user, auth: Auth, inbox, tmp_path: Path
) -> None:
    server, port = inbox
    environment = worker_environment(app, port, tmp_path)
    app.config.update(SMTP_URL=environment["TRACKER_SMTP_URL"],
                      QUEUE_PATH=environment["TRACKER_QUEUE_PATH"])  # fmt: skip
    ada = make_user(Role.VIEWER)
    watching(client, auth, ada, db, MailFrequency.IMMEDIATE)
    add_updates(db, make_user(Role.ANALYST), SLUG, 30)
    fresh(db)
    assert db.scalar(select(func.count()).select_from(Notification)) == 30

    worker = start_worker(environment, tmp_path, "first")
    killed = threading.Event()

    def kill_on_the_eleventh() -> bool:
        # The worker dies while it waits for the server's answer to its eleventh message:
        # the server never accepted it.
        if len(server.messages) == 10 and not killed.is_set():
            os.kill(worker.pid, signal.SIGKILL)
            killed.set()
            return False
        return True

    server.on_data = kill_on_the_eleventh
    assert worker.wait(timeout=60) == -signal.SIGKILL
    assert len(server.messages) == 10
    fresh(db)
    states = Counter(db.scalars(select(MailDelivery.state)))
    assert states == {MailState.SENT: 10, MailState.QUEUED: 20}
    claimed = db.scalars(select(MailDelivery).where(MailDelivery.claimed_until.is_not(None))).one()
    assert claimed.attempts == 1

    server.on_data = None
    again = start_worker(environment, tmp_path, "second")
    try:
        messages = server.wait_for(30)
        time.sleep(1.5)  # time for a copy too many to arrive
    finally:
        again.send_signal(signal.SIGINT)
        again.wait(timeout=30)
    update_ids = Counter(
        re.search(r"#update-(\d+)", text_of(message)).group(1) for message in server.messages
    )
    assert len(messages) == 30 and len(server.messages) == 30
    assert len(update_ids) == 30 and set(update_ids.values()) == {1}
    assert len({message["Message-ID"] for message in server.messages}) == 30
    fresh(db)
    assert Counter(db.scalars(select(MailDelivery.state))) == {MailState.SENT: 30}
    assert db.get_one(MailDelivery, claimed.id).attempts == 2


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_the_worker_command_starts_serves_and_stops(
    app: Flask, client: FlaskClient, db: Session, make_user, auth: Auth, inbox, tmp_path: Path,
    queue: str,
) -> None:  # fmt: skip
    """`tracker worker`, as `make run` starts it: it sends what is due, and stops on Ctrl-C.

    Its queue is a SQLite file, or Redis when TRACKER_REDIS_URL is set: the commit that wrote
    the notification wakes the worker through it.
    """
    server, port = inbox
    environment = worker_environment(app, port, tmp_path)
    app.config.update(SMTP_URL=environment["TRACKER_SMTP_URL"],
                      QUEUE_PATH=environment["TRACKER_QUEUE_PATH"])  # fmt: skip
    if queue == "redis":
        reason = redis_unavailable()
        if reason:
            pytest.skip(reason)
        environment["TRACKER_REDIS_URL"] = app.config["REDIS_URL"] = REDIS_URL
    mail_queue(app).huey.delete(SWEPT)  # Redis may hold an earlier run's
    admin = make_user(Role.ADMIN)
    auth.login(admin)
    assert "No worker has swept the queue yet" in squash(client.get("/admin/mail").text)
    auth.logout()
    worker = start_worker(environment, tmp_path, "worker")
    try:
        ada = make_user(Role.VIEWER)
        watching(client, auth, ada, db, MailFrequency.IMMEDIATE)
        time.sleep(1)  # the worker is up and idle: the commit below wakes it through the queue
        add_updates(db, make_user(Role.ANALYST), SLUG, 1)
        [message] = server.wait_for(1, timeout=30)
        assert "http://127.0.0.1:5077/recommendations/" in text_of(message)
        assert (tmp_path / "queue.sqlite3").exists() is (queue == "sqlite")
        auth.login(admin)  # the worker noted its start where the site reads it
        page = squash(client.get("/admin/mail").text)
        assert '<p id="worker-swept">The worker last swept the queue at' in page
    finally:
        worker.send_signal(signal.SIGINT)
        code = worker.wait(timeout=30)
    log = (tmp_path / "worker.log").read_text()
    assert code == 0, log
    assert f"Mail worker: sending through 127.0.0.1:{port}, no TLS (loopback only)" in log


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A process that ended but was not reaped yet is a zombie: it runs no more.
    status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return status != "Z"


def test_make_run_starts_the_worker_beside_the_server_and_ctrl_c_stops_both(
    tmp_path: Path,
) -> None:
    project = Path(__file__).parent.parent
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    port = free_port()
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("TRACKER_")
    }
    environment.update(
        TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        TRACKER_SECRET_KEY="make run test",
        TRACKER_QUEUE_PATH=str(tmp_path / "queue.sqlite3"),
    )
    with (tmp_path / "make.log").open("w") as log:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=project, env=environment, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail((tmp_path / "make.log").read_text())
        group = os.getpgid(make.pid)
        members = [
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and running(int(entry.name))
            and os.getpgid(int(entry.name)) == group
        ]  # fmt: skip
        commands = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in members}
        workers = [pid for pid, argv in commands.items() if b"worker" in argv]
        servers = [
            pid for pid, argv in commands.items() if b"run" in argv and b"make" not in argv[0]
        ]
        assert workers and servers, commands
        # Ctrl-C in a terminal: SIGINT to the whole foreground process group.
        os.killpg(group, signal.SIGINT)
        make.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(running(pid) for pid in members) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in members if running(pid)], (tmp_path / "make.log").read_text()
        assert "Mail worker: TRACKER_SMTP_URL is not set" in (tmp_path / "make.log").read_text()
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
