"""Corrections and retractions: new revisions that keep the old ones visible."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import AuditEvent, StatusRevision, StatusUpdate
from tracker.vocabulary import Role

from .helpers import SLUG, squash, update_form

URL = f"/recommendations/{SLUG}"


def log_update(client: FlaskClient, **fields: str) -> int:
    client.post(f"{URL}/updates/new", data=update_form(**fields))
    return (
        client.application.extensions["tracker.db"]()
        .scalars(select(StatusUpdate.id).order_by(StatusUpdate.id.desc()))
        .first()
    )


def correction(**fields: str) -> dict[str, str]:
    return {
        "status": "partially_implemented",
        "as_of": "2021-10-10",
        "assessment": "Talks resumed, but only in part.",
        "confidence": "high",
        "reason": "The first report overstated it.",
    } | fields


def test_author_corrects_and_the_earlier_revision_stays(
    client: FlaskClient, db: Session, analyst
) -> None:
    update_id = log_update(client)
    form = client.get(f"{URL}/updates/{update_id}/correct").get_data(as_text=True)
    assert "Talks **resumed** in October." in form  # prefilled with the current text
    response = client.post(
        f"{URL}/updates/{update_id}/correct", data=correction(), follow_redirects=True
    )
    page = squash(response.get_data(as_text=True))
    assert "Correction saved" in page
    assert 'Current status: <span class="badge status-partially_implemented">' in page
    assert "mark-corrected" in page
    assert "All 2 revisions" in page
    assert "Talks <strong>resumed</strong> in October." in page  # revision 1, still shown
    assert "The first report overstated it." in page
    revisions = db.scalars(select(StatusRevision).order_by(StatusRevision.number)).all()
    assert [(r.number, r.kind.value, r.status.value) for r in revisions] == [
        (1, "original", "in_progress"),
        (2, "correction", "partially_implemented"),
    ]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "status_update.correct")).one()
    assert event.user_id == analyst.id
    assert (
        event.before["status"] == "in_progress" and event.after["status"] == "partially_implemented"
    )


def test_correction_needs_a_reason_and_a_change(client: FlaskClient, db: Session, analyst) -> None:
    update_id = log_update(client)
    page = client.post(f"{URL}/updates/{update_id}/correct", data=correction(reason="")).get_data(
        as_text=True
    )
    assert "Say what was wrong." in page
    same = correction(
        status="in_progress", assessment="Talks **resumed** in October.", confidence="moderate"
    )
    page = client.post(f"{URL}/updates/{update_id}/correct", data=same).get_data(as_text=True)
    assert "The correction changes nothing." in page
    assert len(db.scalars(select(StatusRevision)).all()) == 1


def test_another_analyst_cannot_correct_but_an_editor_can(
    client: FlaskClient, db: Session, analyst, make_user, auth
) -> None:
    update_id = log_update(client)
    auth.logout()
    auth.login(make_user(Role.ANALYST))
    assert client.get(f"{URL}/updates/{update_id}/correct").status_code == 403
    assert client.post(f"{URL}/updates/{update_id}/correct", data=correction()).status_code == 403
    auth.logout()
    auth.login(make_user(Role.EDITOR))
    assert client.post(f"{URL}/updates/{update_id}/correct", data=correction()).status_code == 302
    assert db.get(StatusUpdate, update_id).revision == 2


def test_retraction_strikes_through_and_stops_counting(
    client: FlaskClient, db: Session, analyst, make_user, auth
) -> None:
    first = log_update(client, status="in_progress", as_of="2020-03-01")
    second = log_update(client, status="implemented", as_of="2021-03-01")
    assert client.post(f"{URL}/updates/{second}/retract", data={"reason": "x"}).status_code == 403
    auth.logout()
    editor = make_user(Role.EDITOR, name="Eddie Editor")
    auth.login(editor)
    page = client.post(f"{URL}/updates/{second}/retract", data={"reason": ""}).get_data(
        as_text=True
    )
    assert "Say why the update is retracted." in page
    response = client.post(
        f"{URL}/updates/{second}/retract",
        data={"reason": "The source was a hoax"},
        follow_redirects=True,
    )
    page = squash(response.get_data(as_text=True))
    assert f'class="update retracted" id="update-{second}"' in page
    assert "Retracted by Eddie Editor" in page and "The source was a hoax" in page
    assert 'Current status: <span class="badge status-in_progress">' in page
    dashboard = client.get("/?status=implemented").get_data(as_text=True)
    assert f'href="{URL}"' not in dashboard
    # Retracted updates can be neither retracted again nor corrected.
    page = client.post(f"{URL}/updates/{second}/retract", data={"reason": "again"}).get_data(
        as_text=True
    )
    assert "already retracted" in page
    assert db.get(StatusUpdate, first).retracted_at is None
    assert db.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "status_update.retract")
    ).all() == ["status_update.retract"]


def test_update_of_another_recommendation_is_404(client: FlaskClient, analyst) -> None:
    update_id = log_update(client)
    other = "/recommendations/respect-iraqi-neutrality"
    assert client.get(f"{other}/updates/{update_id}/correct").status_code == 404
