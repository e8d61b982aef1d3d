"""Logging in and out, the first admin account, and where `next` may lead."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

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


def test_wrong_password_and_unknown_email_get_the_same_message(client: FlaskClient, db: Session, make_user) -> None:
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
        ("/recommendations/resume-anti-isis-cooperation", "/recommendations/resume-anti-isis-cooperation"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/", "/"),
        ("/\\evil.example.com", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_leads_within_the_site(client: FlaskClient, make_user, target: str, lands_on: str) -> None:
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
    short = client.post(path, data={"name": "Ada", "email": "ada@example.org", "password": "short", "confirm": "short"})
    assert "Use at least 12 characters." in short.get_data(as_text=True)
    response = client.post(
        path,
        data={"name": "Ada Admin", "email": "ada@example.org", "password": PASSWORD, "confirm": PASSWORD},
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
    response = client.post("/setup/forged-token", data={"name": "M", "email": "m@example.org", "password": PASSWORD, "confirm": PASSWORD}, follow_redirects=True)
    assert "That setup link is invalid or has expired" in response.get_data(as_text=True)
    assert db.scalars(select(User)).all() == []
