"""The public corrections log and the append-only audit log."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tracker.models import AuditEvent, StatusUpdate
from tracker.vocabulary import Role

from .helpers import SLUG, add_updates, form_fields, squash, update_form

URL = f"/recommendations/{SLUG}"


def test_corrections_log_lists_corrections_and_retractions_newest_first(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    editor = make_user(Role.EDITOR, name="Eddie Editor")
    auth.login(editor)
    client.post(f"{URL}/updates/new", data=update_form(as_of="2020-05-01"))
    client.post(f"{URL}/updates/new", data=update_form(as_of="2020-06-01"))
    first, second = sorted(db.scalars(text("SELECT id FROM status_update")).all())
    form = form_fields(client.get(f"{URL}/updates/{first}/correct").get_data(as_text=True))
    client.post(
        f"{URL}/updates/{first}/correct",
        data=form
        | {
            "status": "stalled",
            "as_of": "2020-05-01",
            "assessment": "Stalled.",
            "confidence": "low",
            "reason": "Misread the report",
        },
    )
    client.post(f"{URL}/updates/{second}/retract", data={"reason": "Duplicate entry"})
    page = squash(client.get("/corrections").get_data(as_text=True))
    assert page.index("Duplicate entry") < page.index("Misread the report")
    assert 'class="badge mark-retracted">Retracted</span>' in page
    assert 'class="badge mark-corrected">Corrected</span>' in page
    assert "by Eddie Editor" in page


def test_corrections_log_is_readable_by_viewers(client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user(Role.VIEWER))
    page = client.get("/corrections").get_data(as_text=True)
    assert "No correction or retraction yet." in page


def test_audit_log_is_for_admins_and_filters(client: FlaskClient, make_user, auth) -> None:
    analyst = make_user(Role.ANALYST)
    auth.login(analyst)
    client.post(f"{URL}/updates/new", data=update_form())
    assert client.get("/audit").status_code == 403
    auth.logout()
    auth.login(make_user(Role.ADMIN))
    page = client.get("/audit", query_string={"action": "status_update.create"}).get_data(
        as_text=True
    )
    assert "<code>status_update.create</code>" in page
    assert analyst.email in page
    assert "<code>login</code>" not in page
    by_user = client.get("/audit", query_string={"user": analyst.email}).get_data(as_text=True)
    assert "<code>login</code>" in by_user and "<code>seed.create</code>" not in by_user
    future = client.get("/audit", query_string={"since": "2999-01-01"}).get_data(as_text=True)
    assert "No event matches these filters." in future


def test_every_kind_of_write_is_audited(client: FlaskClient, db: Session, make_user, auth) -> None:
    editor = make_user(Role.EDITOR)
    client.post("/login", data={"email": editor.email, "password": "wrong password!!"})
    auth.login(editor)
    client.post(f"{URL}/updates/new", data=update_form())
    update_id = db.scalars(text("SELECT id FROM status_update")).one()
    form = form_fields(client.get(f"{URL}/updates/{update_id}/correct").get_data(as_text=True))
    client.post(
        f"{URL}/updates/{update_id}/correct",
        data=form
        | {
            "status": "stalled",
            "as_of": "2020-05-01",
            "assessment": "S",
            "confidence": "low",
            "reason": "R",
        },
    )
    client.post(f"{URL}/updates/{update_id}/retract", data={"reason": "R"})
    db.rollback()  # end this session's read snapshot, to see what the requests committed
    actions = set(db.scalars(text("SELECT action FROM audit_event")).all())
    assert {
        "user.create", "login.failed", "login", "status_update.create",
        "status_update.correct", "status_update.retract", "seed.create",
    } <= actions  # fmt: skip


# The database enforces append-only tables on PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_audit_log_is_append_only_on_postgresql(db: Session, make_user) -> None:
    add_updates(db, make_user(), SLUG, 1)
    for statement in (update(AuditEvent).values(action="forged"), text("DELETE FROM audit_event")):
        with pytest.raises(DBAPIError, match="audit_event is append-only"):
            db.execute(statement)
        db.rollback()
    for statement in ("UPDATE status_revision SET reason = 'x'", "DELETE FROM content_version"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement))
        db.rollback()
    # The current revision's projection stays writable: corrections update it.
    assert db.execute(update(StatusUpdate).values(retraction_reason=None)).rowcount == 1
    db.rollback()
