"""Logging in and out, passwords, throttling, the account page and the first admin account."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import create_app
from tracker.auth.passwords import common_passwords, needs_rehash, password_problem, verify_password
from tracker.db import get_engine
from tracker.models import AuditEvent, User
from tracker.vocabulary import Role

from .helpers import PASSWORD


def test_login_then_dashboard(client: FlaskClient, make_user, auth) -> None:
    user = make_user(Role.VIEWER, name="Vera Viewer")
    response = auth.login(user, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == "/"
    assert "Welcome, Vera Viewer." in page
    assert "Status dashboard" in page


def test_wrong_password_and_unknown_email_get_the_same_message(
    client: FlaskClient, db: Session, make_user
) -> None:
    user = make_user(Role.ANALYST)
    wrong = client.post("/login", data={"email": user.email, "password": "not the password!"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": PASSWORD})
    message = "Unknown email or wrong password."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert client.get("/").status_code == 302
    failures = db.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert len(failures) == 2


def test_email_is_case_insensitive(client: FlaskClient, make_user) -> None:
    user = make_user(Role.VIEWER, email="Mixed.Case@Example.org")
    response = client.post("/login", data={"email": "MIXED.case@example.ORG", "password": PASSWORD})
    assert response.status_code == 302 and user.email == "mixed.case@example.org"


def test_disabled_account_cannot_log_in(client: FlaskClient, db: Session, make_user, auth) -> None:
    user = make_user(Role.ADMIN)
    user.active = False
    db.commit()
    assert "Unknown email or wrong password." in auth.login(user).get_data(as_text=True)


def test_logout_is_a_post_and_ends_the_session(client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user(Role.VIEWER))
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    response = client.post("/logout", follow_redirects=True)
    assert "You have logged out." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "target, lands_on",
    [
        (
            "/recommendations/resume-anti-isis-cooperation",
            "/recommendations/resume-anti-isis-cooperation",
        ),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/", "/"),
        ("/\\evil.example.com", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_leads_within_the_site(
    client: FlaskClient, make_user, target: str, lands_on: str
) -> None:
    user = make_user(Role.VIEWER)
    response = client.post(
        "/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == lands_on


def setup_link(runner) -> str:
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    match = re.search(r"http://127\.0\.0\.1:5000(/setup/\S+)", result.output)
    assert match, result.output
    return match.group(1)


def test_first_admin_through_the_setup_link(client: FlaskClient, db: Session, runner) -> None:
    assert "There is no account yet." in client.get("/login").get_data(as_text=True)
    path = setup_link(runner)
    page = client.get(path).get_data(as_text=True)
    assert "Create the first admin account" in page
    short = client.post(
        path,
        data={"name": "Ada", "email": "ada@example.org", "password": "short", "confirm": "short"},
    )
    assert "Use at least 12 characters." in short.get_data(as_text=True)
    response = client.post(
        path,
        data={
            "name": "Ada Admin",
            "email": "ada@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
        follow_redirects=True,
    )
    assert "Your admin account is ready." in response.get_data(as_text=True)
    user = db.scalars(select(User)).one()
    assert (user.email, user.role) == ("ada@example.org", Role.ADMIN)
    assert user.password_hash.startswith("$argon2id$")
    # The link is spent once an account exists.
    client.post("/logout")
    again = client.get(path, follow_redirects=True)
    assert "The first account already exists" in again.get_data(as_text=True)
    assert db.scalars(select(User)).one() == user


def test_forged_setup_link_is_refused(client: FlaskClient, db: Session) -> None:
    response = client.post(
        "/setup/forged-token",
        data={"name": "M", "email": "m@example.org", "password": PASSWORD, "confirm": PASSWORD},
        follow_redirects=True,
    )
    assert "That setup link is invalid or has expired" in response.get_data(as_text=True)
    assert db.scalars(select(User)).all() == []


# Passwords


def test_common_password_is_refused_whatever_its_case(
    client: FlaskClient, db: Session, runner
) -> None:
    path = setup_link(runner)
    response = client.post(
        path,
        data={
            "name": "Ada",
            "email": "ada@example.org",
            "password": "PasswordPassword",
            "confirm": "PasswordPassword",
        },
    )
    assert "That password is one of the most common: choose another." in response.get_data(
        as_text=True
    )
    assert db.scalars(select(User)).all() == []


def test_the_common_password_list_ships_long_entries_only() -> None:
    entries = common_passwords()
    assert len(entries) >= 50
    assert {"123456789012", "qwertyuiopasdfgh", "passwordpassword", "iloveyouiloveyou"} <= entries
    assert all(12 <= len(entry) <= 128 for entry in entries)


def test_password_length_limits() -> None:
    assert password_problem("x" * 11 + "!") is None
    assert password_problem("abcdefghijk") == "Use at least 12 characters."
    assert password_problem("y" * 128) is None
    assert password_problem("y" * 129) == "Use at most 128 characters."


def test_a_weaker_hash_is_upgraded_at_login(client: FlaskClient, db: Session, make_user) -> None:
    user = make_user(Role.VIEWER)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.commit()
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    db.refresh(user)
    assert user.password_hash != weak
    assert "m=8,t=1,p=1" in weak and "m=8,t=1,p=1" not in user.password_hash
    assert user.password_hash.startswith("$argon2id$") and not needs_rehash(user.password_hash)
    assert verify_password(user.password_hash, PASSWORD)


# The account page


def test_account_page_shows_who_is_logged_in(client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user(Role.EDITOR, email="ed@example.org", name="Ed Itor"))
    page = client.get("/account").get_data(as_text=True)
    assert "Ed Itor" in page and "ed@example.org" in page and "Editor" in page
    assert 'href="/account"' in page
    assert 'href="/admin/users"' not in page


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"current_password": "not my password!"}, "That is not your current password."),
        ({"confirm": "something else entirely"}, "The passwords differ."),
        ({"password": "qwertyuiopasdfgh", "confirm": "qwertyuiopasdfgh"}, "one of the most common"),
        ({"password": "too short", "confirm": "too short"}, "Use at least 12 characters."),
    ],
)
def test_password_change_is_refused_when_the_form_is_wrong(
    client: FlaskClient, db: Session, make_user, auth, fields: dict[str, str], error: str
) -> None:
    user = make_user(Role.VIEWER)
    auth.login(user)
    data = {
        "current_password": PASSWORD,
        "password": "a brand new passphrase",
        "confirm": "a brand new passphrase",
    }
    data.update(fields)
    response = client.post("/account", data=data)
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    before = user.password_hash
    db.refresh(user)
    assert user.password_hash == before


# Throttling


@pytest.fixture
def limits(app: Flask) -> Callable[..., None]:
    """Set the login limits for this test."""

    def set_limits(*, account: str = "1000 per minute", address: str = "1000 per minute") -> None:
        app.config.update(LOGIN_LIMIT_PER_ACCOUNT=account, LOGIN_LIMIT_PER_ADDRESS=address)

    return set_limits


THROTTLED = "Too many login attempts for this account or from this address."


def attempt(
    client: FlaskClient, email: str, password: str = "not the password!", address: str = "127.0.0.1"
) -> Any:
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_attempts_on_one_account_are_throttled_however_the_email_is_typed(
    client: FlaskClient, db: Session, make_user, limits
) -> None:
    limits(account="3 per minute")
    user = make_user(Role.VIEWER, email="target@example.org")
    for email in ("target@example.org", "TARGET@example.org", " Target@Example.org "):
        assert attempt(client, email).status_code == 200
    throttled = attempt(client, user.email, PASSWORD)
    page = throttled.get_data(as_text=True)
    assert throttled.status_code == 429
    assert THROTTLED in page
    assert (
        "<h1>Log in</h1>" in page and 'class="site-header"' in page
    )  # the login page, in the layout
    assert "Retry-After" in throttled.headers
    # Even the right password does nothing while throttled; it was not even checked.
    assert client.get("/").status_code == 302
    failures = db.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert len(failures) == 3


def test_a_throttled_account_locks_out_nobody_else(client: FlaskClient, make_user, limits) -> None:
    limits(account="2 per minute")
    target = make_user(Role.VIEWER)
    bystander = make_user(Role.VIEWER)
    for _ in range(2):
        attempt(client, target.email)
    assert attempt(client, target.email).status_code == 429
    assert attempt(client, bystander.email, PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_attempts_from_one_address_are_throttled_across_accounts(
    client: FlaskClient, make_user, limits
) -> None:
    limits(address="3 per minute")
    user = make_user(Role.VIEWER)
    for number in range(3):
        assert (
            attempt(client, f"guess{number}@example.org", address="198.51.100.7").status_code == 200
        )
    assert attempt(client, user.email, PASSWORD, address="198.51.100.7").status_code == 429
    # Another address is not held back by that one.
    assert attempt(client, user.email, PASSWORD, address="203.0.113.9").status_code == 302


def test_only_posted_attempts_count(client: FlaskClient, make_user, limits) -> None:
    limits(account="2 per minute", address="2 per minute")
    user = make_user(Role.VIEWER)
    for _ in range(5):
        assert client.get("/login").status_code == 200
    assert attempt(client, user.email).status_code == 200
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_default_limits_allow_five_attempts_a_minute_per_account(
    client: FlaskClient, make_user
) -> None:
    user = make_user(Role.VIEWER)
    for _ in range(5):
        assert attempt(client, user.email).status_code == 200
    assert attempt(client, user.email).status_code == 429


def test_an_hourly_limit_holds_beside_the_minute_one(
    client: FlaskClient, make_user, limits
) -> None:
    limits(account="10 per minute; 3 per hour")
    user = make_user(Role.VIEWER)
    for _ in range(3):
        assert attempt(client, user.email).status_code == 200
    assert attempt(client, user.email).status_code == 429


REDIS_URL = os.environ.get("TRACKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_unavailable() -> str | None:
    """Say why Redis cannot be used, or None when it answers."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        return f"Redis at {REDIS_URL} is not answering ({type(error).__name__})"
    finally:
        client.close()
    return None


def test_the_limit_holds_across_app_instances_sharing_redis(app: Flask, make_user) -> None:
    reason = redis_unavailable()
    if reason:
        pytest.skip(reason)
    # Fresh names: the counts of an earlier run may still be in Redis.
    run = uuid.uuid4().hex[:8]
    user = make_user(Role.VIEWER, email=f"shared-{run}@example.org")
    address = f"192.0.2.{int(run[:2], 16)}"
    config = dict(app.config, REDIS_URL=REDIS_URL, LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    config.pop("RATELIMIT_STORAGE_URI")
    instances = []
    try:
        first = create_app(config)
        instances.append(first)
        for _ in range(2):
            assert attempt(first.test_client(), user.email, address=address).status_code == 200
        # Another instance has a limiter and a connection of its own, and the same counts.
        second = create_app(config)
        instances.append(second)
        assert second.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
        assert attempt(second.test_client(), user.email, address=address).status_code == 200
        assert (
            attempt(second.test_client(), user.email, PASSWORD, address=address).status_code == 429
        )
    finally:
        for instance in instances:
            get_engine(instance).dispose()


def test_logins_go_on_throttled_in_memory_while_redis_is_away(app: Flask, make_user) -> None:
    config = dict(
        app.config, REDIS_URL="redis://127.0.0.1:1/0", LOGIN_LIMIT_PER_ACCOUNT="2 per minute"
    )
    config.pop("RATELIMIT_STORAGE_URI")
    away = create_app(config)
    try:
        client = away.test_client()
        target = make_user(Role.VIEWER)
        for _ in range(2):
            assert attempt(client, target.email).status_code == 200
        assert attempt(client, target.email).status_code == 429
        assert attempt(client, make_user(Role.VIEWER).email, PASSWORD).status_code == 302
    finally:
        get_engine(away).dispose()


def test_password_fields_say_what_password_managers_should_fill(
    client: FlaskClient, make_user, auth
) -> None:
    login = client.get("/login").get_data(as_text=True)
    assert re.search(r'<input autocomplete="username"[^>]*name="email"', login)
    assert re.search(r'<input autocomplete="current-password"[^>]*name="password"', login)
    auth.login(make_user(Role.VIEWER))
    account = client.get("/account").get_data(as_text=True)
    assert re.search(r'autocomplete="current-password"[^>]*name="current_password"', account)
    assert re.search(r'autocomplete="new-password"[^>]*name="password"', account)
    assert re.search(r'autocomplete="new-password"[^>]*name="confirm"', account)
