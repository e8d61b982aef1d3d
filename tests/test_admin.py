"""The admin pages: listing, creating, re-roling, disabling and re-enabling accounts."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import AuditEvent, User, UserSession
from tracker.vocabulary import Role

from .helpers import PASSWORD, squash

INITIAL = "an initial passphrase to change"


@pytest.fixture
def admin(make_user, auth) -> User:
    """A logged-in admin."""
    user = make_user(Role.ADMIN, email="root@example.org", name="Ada Admin")
    auth.login(user)
    return user


def reread(db: Session, user: User) -> User:
    db.rollback()
    db.refresh(user)
    return user


def last_event(db: Session) -> AuditEvent:
    db.rollback()
    return db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()


def log_in(app: Flask, user: User, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    assert (
        client.post("/login", data={"email": user.email, "password": password}).status_code == 302
    )
    return client


def test_the_list_shows_every_account(
    app: Flask, client: FlaskClient, db: Session, admin, make_user
) -> None:
    seen = make_user(Role.ANALYST, email="seen@example.org", name="Sam Seen")
    log_in(app, seen)
    make_user(Role.EDITOR, email="never@example.org", name="Nel Never")
    gone = make_user(Role.VIEWER, email="gone@example.org")
    gone.active = False
    db.commit()
    page = squash(client.get("/admin/users").get_data(as_text=True))
    assert "4 accounts" in page
    row = re.search(rf'<tr id="user-{seen.id}">.*?</tr>', page).group(0)
    assert "seen@example.org" in row and "Sam Seen" in row and "Yes" in row
    assert re.search(r"<time datetime=\"\d{4}-\d\d-\d\dT", row)
    assert 'value="analyst" selected' in row or 'selected value="analyst"' in row
    never = re.search(r'<tr id="user-\d+"> <td[^>]*>never@example.org.*?</tr>', page).group(0)
    assert "Never" in never
    disabled = re.search(rf'<tr id="user-{gone.id}">.*?</tr>', page).group(0)
    assert "No: disabled" in disabled and "Re-enable" in disabled
    # Styled like the other lists, and labelled cell by cell where a phone drops the header.
    assert '<table class="accounts">' in page
    assert '<td data-label="Email">never@example.org</td>' in page
    with client.get("/static/tracker.css") as stylesheet:
        assert "table.accounts :is(th, td)" in stylesheet.get_data(as_text=True)


def test_admins_see_the_users_link_and_others_do_not(
    app: Flask, client: FlaskClient, admin, make_user
) -> None:
    assert 'href="/admin/users"' in client.get("/").get_data(as_text=True)
    viewer = log_in(app, make_user(Role.VIEWER))
    assert 'href="/admin/users"' not in viewer.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST, Role.EDITOR])
def test_non_admins_get_403_everywhere(app: Flask, db: Session, make_user, role: Role) -> None:
    target = make_user(Role.VIEWER)
    client = log_in(app, make_user(role))
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403
    new = {
        "name": "X",
        "email": "x@example.org",
        "role": "admin",
        "password": INITIAL,
        "confirm": INITIAL,
    }
    assert client.post("/admin/users/new", data=new).status_code == 403
    prefix = f"user-{target.id}"
    assert (
        client.post(f"/admin/users/{target.id}/role", data={f"{prefix}-role": "admin"}).status_code
        == 403
    )
    assert (
        client.post(f"/admin/users/{target.id}/active", data={f"{prefix}-active": "0"}).status_code
        == 403
    )
    target = reread(db, target)
    assert (target.role, target.active) == (Role.VIEWER, True)
    assert db.scalars(select(User).where(User.email == "x@example.org")).first() is None


def test_an_admin_creates_a_user_who_can_then_log_in(
    app: Flask, client: FlaskClient, db: Session, admin
) -> None:
    response = client.post(
        "/admin/users/new",
        data={
            "name": "Nina New",
            "email": "Nina@Example.org",
            "role": "analyst",
            "password": INITIAL,
            "confirm": INITIAL,
        },
        follow_redirects=True,
    )
    assert response.request.path == "/admin/users"
    assert "Created nina@example.org (Analyst)." in response.get_data(as_text=True)
    user = db.scalars(select(User).where(User.email == "nina@example.org")).one()
    assert (user.name, user.role, user.active) == ("Nina New", Role.ANALYST, True)
    event = last_event(db)
    assert (event.action, event.user_id, event.target_id) == ("user.create", admin.id, user.id)
    log_in(app, user, INITIAL)


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"email": "root@example.org"}, "A user with this email already exists."),
        ({"password": "iloveyouiloveyou", "confirm": "iloveyouiloveyou"}, "one of the most common"),
        ({"password": "short", "confirm": "short"}, "Use at least 12 characters."),
        ({"confirm": "not the same passphrase"}, "The passwords differ."),
        ({"role": "king"}, "Not a valid choice"),
    ],
)
def test_a_new_user_form_with_errors_creates_nobody(
    client: FlaskClient, db: Session, admin, fields: dict[str, str], error: str
) -> None:
    data = {
        "name": "Nina New",
        "email": "nina@example.org",
        "role": "viewer",
        "password": INITIAL,
        "confirm": INITIAL,
    }
    data.update(fields)
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    db.rollback()
    assert len(db.scalars(select(User)).all()) == 1


def test_an_admin_changes_a_role_and_it_applies_at_once(
    app: Flask, client: FlaskClient, db: Session, admin, make_user
) -> None:
    user = make_user(Role.VIEWER)
    their_client = log_in(app, user)
    assert their_client.get("/admin/users").status_code == 403
    response = client.post(
        f"/admin/users/{user.id}/role",
        data={f"user-{user.id}-role": "admin"},
        follow_redirects=True,
    )
    assert f"{user.email} is now Admin." in response.get_data(as_text=True)
    assert reread(db, user).role is Role.ADMIN
    event = last_event(db)
    assert (event.action, event.user_id, event.target_id) == ("user.role", admin.id, user.id)
    assert (event.before, event.after) == ({"role": "viewer"}, {"role": "admin"})
    assert their_client.get("/admin/users").status_code == 200


def test_an_invalid_role_is_refused(client: FlaskClient, db: Session, admin, make_user) -> None:
    user = make_user(Role.VIEWER)
    response = client.post(
        f"/admin/users/{user.id}/role", data={f"user-{user.id}-role": "king"}, follow_redirects=True
    )
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert reread(db, user).role is Role.VIEWER


def test_an_admin_disables_then_re_enables_an_account(
    app: Flask, client: FlaskClient, db: Session, admin, make_user
) -> None:
    user = make_user(Role.ANALYST)
    their_client = log_in(app, user)
    response = client.post(
        f"/admin/users/{user.id}/active",
        data={f"user-{user.id}-active": "0"},
        follow_redirects=True,
    )
    assert f"{user.email} is disabled and logged out everywhere;" in response.get_data(as_text=True)
    assert reread(db, user).active is False
    assert last_event(db).action == "user.disable"
    assert their_client.get("/").status_code == 302
    assert (
        db.scalars(select(UserSession.ended_at).where(UserSession.user_id == user.id)).one()
        is not None
    )
    assert "Unknown email or wrong password." in app.test_client().post(
        "/login", data={"email": user.email, "password": PASSWORD}
    ).get_data(as_text=True)

    response = client.post(
        f"/admin/users/{user.id}/active",
        data={f"user-{user.id}-active": "1"},
        follow_redirects=True,
    )
    assert f"{user.email} can log in again." in response.get_data(as_text=True)
    assert reread(db, user).active is True
    assert last_event(db).action == "user.enable"
    log_in(app, user)


def test_an_admin_can_neither_demote_nor_disable_themselves(
    client: FlaskClient, db: Session, admin
) -> None:
    page = squash(client.get("/admin/users").get_data(as_text=True))
    own_row = re.search(rf'<tr id="user-{admin.id}">.*?</tr>', page).group(0)
    assert "<form" not in own_row and "another admin can change it" in own_row

    prefix = f"user-{admin.id}"
    demoted = client.post(
        f"/admin/users/{admin.id}/role", data={f"{prefix}-role": "viewer"}, follow_redirects=True
    )
    assert "You cannot change your own role: ask another admin." in demoted.get_data(as_text=True)
    disabled = client.post(
        f"/admin/users/{admin.id}/active", data={f"{prefix}-active": "0"}, follow_redirects=True
    )
    assert "You cannot disable your own account: ask another admin." in disabled.get_data(
        as_text=True
    )
    admin = reread(db, admin)
    assert (admin.role, admin.active) == (Role.ADMIN, True)
    assert client.get("/admin/users").status_code == 200


def test_an_unknown_user_is_404(client: FlaskClient, admin) -> None:
    assert (
        client.post("/admin/users/999999/role", data={"user-999999-role": "viewer"}).status_code
        == 404
    )
    assert (
        client.post("/admin/users/999999/active", data={"user-999999-active": "0"}).status_code
        == 404
    )


def test_the_list_forms_carry_working_csrf_tokens(
    app: Flask, client: FlaskClient, db: Session, admin, make_user
) -> None:
    user = make_user(Role.VIEWER)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/admin/users").get_data(as_text=True)
    prefix = f"user-{user.id}"
    token = re.search(rf'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    refused = client.post(f"/admin/users/{user.id}/role", data={f"{prefix}-role": "editor"})
    assert refused.status_code == 400
    accepted = client.post(
        f"/admin/users/{user.id}/role",
        data={f"{prefix}-role": "editor", f"{prefix}-csrf_token": token},
    )
    assert accepted.status_code == 302
    assert reread(db, user).role is Role.EDITOR
