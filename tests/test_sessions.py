"""Server-side sessions: fixation, logout, password changes, disabled accounts and timeouts."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from tracker import create_app, security
from tracker.auth import sessions
from tracker.auth.sessions import TOKEN_KEY
from tracker.db import get_engine
from tracker.db import sessions as sessionmaker_of
from tracker.models import AuditEvent, User, UserSession, utcnow
from tracker.vocabulary import Role

from .helpers import PASSWORD
from .test_auth import REDIS_URL, redis_unavailable

NEW_PASSWORD = "a longer passphrase nobody guesses"


def log_in(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


def logged_in(client: FlaskClient) -> bool:
    """Say whether the client's cookie still opens a page that needs a login."""
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def cookie(client: FlaskClient) -> str:
    found = client.get_cookie("session")
    assert found is not None
    return found.value


def token_in(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return session[TOKEN_KEY]


def sessions_of(db: Session, user: User) -> list[UserSession]:
    db.rollback()  # read what the requests committed, not an older snapshot
    db.expire_all()
    return list(
        db.scalars(
            select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def set_session_times(db: Session, user: User, **times: dt.datetime) -> None:
    db.execute(update(UserSession).where(UserSession.user_id == user.id).values(**times))
    db.commit()


def actions(db: Session) -> list[str]:
    db.rollback()
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_keeps_only_a_hash_of_the_token(client: FlaskClient, db: Session, make_user) -> None:
    user = make_user(Role.VIEWER)
    log_in(client, user)
    token = token_in(client)
    [stored] = sessions_of(db, user)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert stored.ended_at is None
    assert len(token) >= 43  # 256 random bits


def test_login_changes_the_cookie_and_ignores_a_planted_token(
    app: Flask, client: FlaskClient, db: Session, make_user
) -> None:
    victim = make_user(Role.EDITOR, name="Victim")
    with client.session_transaction() as session:
        session[TOKEN_KEY] = "planted-token"
        session["carried"] = "over"
    planted = cookie(client)
    log_in(client, victim)
    assert cookie(client) != planted
    with client.session_transaction() as session:
        assert session[TOKEN_KEY] != "planted-token"
        assert "carried" not in session  # nothing from before the login survives it
    [stored] = sessions_of(db, victim)
    assert stored.token_hash == hashlib.sha256(token_in(client).encode()).hexdigest()

    # Whoever kept the cookie from before the login gains nothing from it.
    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    assert not logged_in(attacker)


def test_an_attackers_own_session_planted_before_login_ends_at_login(
    app: Flask, db: Session, make_user
) -> None:
    attacker_user = make_user(Role.VIEWER, name="Attacker")
    victim_user = make_user(Role.ADMIN, name="Victim")
    attacker = app.test_client()
    log_in(attacker, attacker_user)
    victim = app.test_client()
    victim.set_cookie("session", cookie(attacker))
    log_in(victim, victim_user)
    assert token_in(victim) != token_in(attacker)
    assert "Victim" in victim.get("/account").get_data(as_text=True)
    # The planted session ended with the login: its cookie opens nothing, as nobody.
    assert not logged_in(attacker)
    [planted] = sessions_of(db, attacker_user)
    assert planted.ended_at is not None


def test_a_cookie_copied_before_logout_fails_after_it(
    app: Flask, client: FlaskClient, db: Session, make_user
) -> None:
    user = make_user(Role.VIEWER)
    log_in(client, user)
    copied = cookie(client)
    assert client.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert not logged_in(replay)
    [ended] = sessions_of(db, user)
    assert ended.ended_at is not None
    assert actions(db)[-1] == "logout"


def test_a_token_only_works_for_the_user_it_was_issued_to(client: FlaskClient, make_user) -> None:
    user = make_user(Role.VIEWER)
    other = make_user(Role.ADMIN)
    log_in(client, user)
    with client.session_transaction() as session:
        session["_user_id"] = str(other.id)
    assert not logged_in(client)


def test_password_change_ends_the_other_sessions_only(app: Flask, db: Session, make_user) -> None:
    user = make_user(Role.ANALYST)
    here, elsewhere = app.test_client(), app.test_client()
    log_in(here, user)
    log_in(elsewhere, user)
    response = here.post(
        "/account",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert (
        "Your password has been changed and you are logged out everywhere else."
        in response.get_data(as_text=True)
    )
    assert logged_in(here)
    assert not logged_in(elsewhere)
    current, other = sessions_of(db, user)
    assert current.ended_at is None and other.ended_at is not None
    assert "password.change" in actions(db)
    # The new password works, the old one no longer does.
    assert (
        elsewhere.post("/login", data={"email": user.email, "password": PASSWORD}).status_code
        == 200
    )
    log_in(elsewhere, user, NEW_PASSWORD)


def test_disabling_an_account_ends_its_sessions(app: Flask, db: Session, make_user) -> None:
    admin = make_user(Role.ADMIN)
    user = make_user(Role.ANALYST)
    admin_client, user_client = app.test_client(), app.test_client()
    log_in(admin_client, admin)
    log_in(user_client, user)
    assert logged_in(user_client)
    response = admin_client.post(
        f"/admin/users/{user.id}/active", data={f"user-{user.id}-active": "0"}
    )
    assert response.status_code == 302
    assert not logged_in(user_client)
    assert all(session.ended_at is not None for session in sessions_of(db, user))


def test_a_disabled_account_is_refused_even_with_an_open_session(
    client: FlaskClient, db: Session, make_user
) -> None:
    user = make_user(Role.ANALYST)
    log_in(client, user)
    db.execute(update(User).where(User.id == user.id).values(active=False))
    db.commit()
    assert not logged_in(client)


@pytest.mark.parametrize("idle_minutes, holds", [(119, True), (121, False)])
def test_idle_timeout(
    client: FlaskClient, db: Session, make_user, idle_minutes: int, holds: bool
) -> None:
    user = make_user(Role.VIEWER)
    log_in(client, user)
    set_session_times(db, user, last_seen_at=utcnow() - dt.timedelta(minutes=idle_minutes))
    assert logged_in(client) is holds


@pytest.mark.parametrize("age_minutes, holds", [(11 * 60 + 59, True), (12 * 60 + 1, False)])
def test_absolute_timeout_holds_however_active_the_session(
    client: FlaskClient, db: Session, make_user, age_minutes: int, holds: bool
) -> None:
    user = make_user(Role.VIEWER)
    log_in(client, user)
    set_session_times(db, user, created_at=utcnow() - dt.timedelta(minutes=age_minutes))
    assert logged_in(client) is holds


@pytest.mark.parametrize("shift", [dt.timedelta(days=31, seconds=5), dt.timedelta(seconds=-5)])
def test_a_cookie_seen_before_is_still_refused_once_too_old_or_from_the_future(
    app: Flask, client: FlaskClient, make_user, monkeypatch: pytest.MonkeyPatch, shift: dt.timedelta
) -> None:
    """A worker checks a cookie's signature once, and its age on every request, as Flask does."""
    user = make_user(Role.VIEWER)
    log_in(client, user)
    assert logged_in(client) and logged_in(client)  # the second from what the worker kept
    assert app.permanent_session_lifetime == dt.timedelta(days=31)
    moment = time.time() + shift.total_seconds()
    monkeypatch.setattr(security, "time", SimpleNamespace(time=lambda: moment))
    assert not logged_in(client)


def test_a_cookie_altered_after_the_genuine_one_was_seen_opens_nothing(
    app: Flask, client: FlaskClient, make_user
) -> None:
    log_in(client, make_user(Role.VIEWER))
    assert logged_in(client)
    genuine = cookie(client)
    payload, stamp, signature = genuine.rsplit(".", 2)
    altered = "A" if signature[0] != "A" else "B"
    forger = app.test_client()
    forger.set_cookie("session", f"{payload}.{stamp}.{altered}{signature[1:]}")
    assert not logged_in(forger)
    forger.set_cookie("session", genuine)
    assert logged_in(forger)


def test_a_session_holding_a_list_is_decoded_by_each_request(app: Flask) -> None:
    """A copy of what a worker kept would share the list (flashed messages) between requests."""
    serializer = app.session_interface.get_signing_serializer(app)
    plain = serializer.dumps({"_user_id": "3", "_fresh": True, "n": 1})
    values, signed_at = security.verified(serializer, plain)
    assert values == (("_user_id", "3"), ("_fresh", True), ("n", 1))
    assert abs(signed_at - time.time()) < 5
    flashed = serializer.dumps({"_flashes": [["message", "Saved."]]})
    assert security.verified(serializer, flashed)[0] is None


def test_timeouts_follow_the_configuration(
    app: Flask, client: FlaskClient, db: Session, make_user
) -> None:
    app.config.update(IDLE_TIMEOUT_MINUTES=10, SESSION_HOURS=1)
    user = make_user(Role.VIEWER)
    log_in(client, user)
    set_session_times(db, user, last_seen_at=utcnow() - dt.timedelta(minutes=11))
    assert not logged_in(client)
    log_in(client, user)
    set_session_times(db, user, created_at=utcnow() - dt.timedelta(minutes=61))
    assert not logged_in(client)


def test_last_seen_is_written_at_most_once_a_minute(
    client: FlaskClient, db: Session, make_user
) -> None:
    user = make_user(Role.VIEWER)
    log_in(client, user)
    recent = utcnow() - dt.timedelta(seconds=30)
    set_session_times(db, user, last_seen_at=recent)
    assert logged_in(client)
    [session] = sessions_of(db, user)
    assert session.last_seen_at == recent

    earlier = utcnow() - dt.timedelta(minutes=5)
    set_session_times(db, user, last_seen_at=earlier)
    assert logged_in(client)
    [session] = sessions_of(db, user)
    assert session.last_seen_at > utcnow() - dt.timedelta(seconds=30)


def test_the_user_and_the_session_are_checked_in_one_query(
    client: FlaskClient, make_user, count_statements
) -> None:
    log_in(client, make_user(Role.VIEWER))
    counter = count_statements()
    assert logged_in(client)
    # One query for the user and their session; the other counts the unread notifications
    # the navigation shows.
    assert counter.count == 2
    assert "JOIN user_session" in counter.statements[0]
    assert "FROM notification" in counter.statements[1]


@pytest.mark.parametrize("https, secure", [("1", True), ("0", False)])
def test_cookies_are_secure_when_served_over_https(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    db: Session,
    make_user,
    https: str,
    secure: bool,
) -> None:
    monkeypatch.setenv("TRACKER_HTTPS", https)
    monkeypatch.setenv("TRACKER_DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKER_SECRET_KEY", "test secret key")
    served = create_app()
    served.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    try:
        user = make_user(Role.VIEWER)
        response = served.test_client().post(
            "/login", data={"email": user.email, "password": PASSWORD}, base_url="https://localhost"
        )
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("; Secure" in cookie) is secure
    finally:
        get_engine(served).dispose()


@pytest.fixture
def workers(app: Flask) -> Iterator[tuple[Flask, Flask]]:
    """Two instances of the app, as two workers are, sharing the database and Redis."""
    reason = redis_unavailable()
    if reason:
        pytest.skip(reason)
    # Logins throttled in memory: these tests log in more often than the limits allow.
    config = dict(app.config, REDIS_URL=REDIS_URL, RATELIMIT_STORAGE_URI="memory://")
    instances = (create_app(config), create_app(config))
    yield instances
    for instance in instances:
        get_engine(instance).dispose()


def in_both(workers: tuple[Flask, Flask], user: User) -> tuple[FlaskClient, FlaskClient]:
    """Log in once and send the same cookie to both workers, each of which then holds it."""
    first, second = (worker.test_client() for worker in workers)
    log_in(first, user)
    second.set_cookie("session", cookie(first))
    assert logged_in(first) and logged_in(second)
    return first, second


def statements_of(worker: Flask, request: Callable[[], object]) -> list[str]:
    """The SQL statements `worker` runs while `request` is made."""
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(get_engine(worker), "before_cursor_execute", listener)
    try:
        request()
    finally:
        event.remove(get_engine(worker), "before_cursor_execute", listener)
    return statements


CHECK = "JOIN user_session ON user_session.user_id"  # the query that checks a session


def session_checks(worker: Flask, client: FlaskClient) -> list[str]:
    """The queries checking the session that a request of `client` makes to `worker`."""
    return [s for s in statements_of(worker, lambda: logged_in(client)) if CHECK in s]


def test_a_page_from_the_cache_of_a_held_session_asks_the_database_nothing(
    workers: tuple[Flask, Flask], make_user
) -> None:
    worker = workers[0]
    client = worker.test_client()
    log_in(client, make_user(Role.ANALYST))
    for _ in range(2):  # the first renders the page, and holds the session
        assert client.get("/").status_code == 200
    assert statements_of(worker, lambda: client.get("/")) == []
    # Without Redis, each request asks the database whether the session holds.
    alone = create_app(dict(worker.config, REDIS_URL=None))
    try:
        client = alone.test_client()
        log_in(client, make_user(Role.ANALYST))
        client.get("/")
        checks = [s for s in statements_of(alone, lambda: client.get("/")) if CHECK in s]
        assert len(checks) == 1
    finally:
        get_engine(alone).dispose()


def test_a_logout_in_one_worker_holds_in_the_others_at_once(
    workers: tuple[Flask, Flask], make_user
) -> None:
    first, second = in_both(workers, make_user(Role.VIEWER))
    assert first.post("/logout").status_code == 302
    assert not logged_in(second)


def test_a_password_change_ends_the_sessions_other_workers_hold(
    workers: tuple[Flask, Flask], make_user
) -> None:
    user = make_user(Role.ANALYST)
    here = workers[0].test_client()
    log_in(here, user)
    first, second = in_both(workers, user)
    response = here.post(
        "/account",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not logged_in(first) and not logged_in(second)
    assert logged_in(here)


def test_disabling_an_account_ends_the_sessions_other_workers_hold(
    workers: tuple[Flask, Flask], make_user
) -> None:
    user = make_user(Role.ANALYST)
    first, second = in_both(workers, user)
    admin = workers[0].test_client()
    log_in(admin, make_user(Role.ADMIN))
    response = admin.post(f"/admin/users/{user.id}/active", data={f"user-{user.id}-active": "0"})
    assert response.status_code == 302
    assert not logged_in(second) and not logged_in(first)


def test_a_new_role_reaches_the_workers_holding_the_session(
    workers: tuple[Flask, Flask], make_user
) -> None:
    user = make_user(Role.VIEWER)
    _, second = in_both(workers, user)
    assert second.get("/admin/users").status_code == 403
    admin = workers[0].test_client()
    log_in(admin, make_user(Role.ADMIN))
    response = admin.post(f"/admin/users/{user.id}/role", data={f"user-{user.id}-role": "admin"})
    assert response.status_code == 302
    assert second.get("/admin/users").status_code == 200


def test_a_write_to_a_user_outside_any_view_ends_what_workers_hold(
    workers: tuple[Flask, Flask], make_user
) -> None:
    user = make_user(Role.ANALYST)
    first, second = in_both(workers, user)
    with sessionmaker_of(workers[0])() as db:  # a command's or a script's session
        db.execute(update(User).where(User.id == user.id).values(active=False))
        db.commit()
    assert not logged_in(first) and not logged_in(second)


def test_a_held_session_is_checked_again_when_its_last_seen_time_is_due(
    workers: tuple[Flask, Flask], db: Session, make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(Role.VIEWER)
    worker = workers[0]
    client = worker.test_client()
    log_in(client, user)
    assert logged_in(client)
    assert session_checks(worker, client) == []
    later = utcnow() + dt.timedelta(minutes=2)
    monkeypatch.setattr(sessions, "utcnow", lambda: later)
    checked = statements_of(worker, lambda: logged_in(client))
    assert any(CHECK in statement for statement in checked)
    assert any(statement.startswith("UPDATE user_session") for statement in checked)
    [held] = sessions_of(db, user)
    assert held.last_seen_at == later
    # Writing the last-seen time ends nothing held: the next request asks no more of it.
    assert session_checks(worker, client) == []
    # The session idles out as it would unheld.
    monkeypatch.setattr(sessions, "utcnow", lambda: later + dt.timedelta(minutes=121))
    assert not logged_in(client)


def test_sessions_are_checked_in_the_database_while_redis_does_not_answer(
    app: Flask, make_user
) -> None:
    config = dict(app.config, REDIS_URL="redis://127.0.0.1:1/0")
    config.pop("RATELIMIT_STORAGE_URI", None)
    worker = create_app(config)
    try:
        user = make_user(Role.VIEWER)
        client = worker.test_client()
        log_in(client, user)
        assert logged_in(client)
        assert len(session_checks(worker, client)) == 1
        with sessionmaker_of(worker)() as db:
            db.execute(update(UserSession).values(ended_at=utcnow()))
            db.commit()
        assert not logged_in(client)
    finally:
        get_engine(worker).dispose()
