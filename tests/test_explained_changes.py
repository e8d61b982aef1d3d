"""Changes that must be explained: an update that moves a status backwards or jumps says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db import get_engine
from tracker.models import AuditEvent, StatusUpdate
from tracker.seeds import load_seeds, read_seeds
from tracker.vocabulary import Status

from .conftest import empty_database
from .helpers import SLUG, squash, update_form

URL = f"/recommendations/{SLUG}"
S = Status


@pytest.mark.parametrize(
    ("before", "after", "needs_reason"),
    [
        (S.IMPLEMENTED, S.STALLED, True),
        (S.PARTIAL, S.CONTRADICTED, True),
        (S.PARTIAL, S.STALLED, True),
        (S.IN_PROGRESS, S.CONTRADICTED, True),
        (S.IMPLEMENTED, S.PARTIAL, True),
        (S.NO_ACTION, S.IMPLEMENTED, True),  # three steps forward
        (S.NO_ACTION, S.PARTIAL, False),  # two
        (S.CONTRADICTED, S.PARTIAL, True),
        (S.CONTRADICTED, S.IN_PROGRESS, False),
        (S.IN_PROGRESS, S.STALLED, False),  # steps were taken either way
        (S.STALLED, S.IMPLEMENTED, False),
        (S.NO_ACTION, S.IN_PROGRESS, False),  # one
        (S.IN_PROGRESS, S.IMPLEMENTED, False),
        (S.STALLED, S.IN_PROGRESS, False),
        (S.IN_PROGRESS, S.IN_PROGRESS, False),
        (S.NOT_ASSESSED, S.IMPLEMENTED, False),  # a first judgement changes nothing
        (S.IMPLEMENTED, S.OVERTAKEN, False),  # off the way to implementation
        (S.OVERTAKEN, S.NO_ACTION, False),
    ],
)
def test_which_moves_need_a_reason(before: Status, after: Status, needs_reason: bool) -> None:
    assert before.change_needs_reason(after) is needs_reason


def logged(db: Session) -> list[tuple[str, str, str | None]]:
    db.rollback()  # a new transaction sees what the requests committed
    return [
        (u.status.value, u.as_of.isoformat(), u.change_reason)
        for u in db.scalars(select(StatusUpdate).order_by(StatusUpdate.id))
    ]


def test_a_move_backwards_asks_why_and_the_timeline_shows_the_answer(
    client: FlaskClient, db: Session, analyst
) -> None:
    client.post(f"{URL}/updates/new", data=update_form(status="implemented", as_of="2021-01-10"))
    response = client.post(
        f"{URL}/updates/new", data=update_form(status="stalled", as_of="2021-06-01")
    )
    assert response.status_code == 200
    page = squash(response.get_data(as_text=True))
    assert (
        '<p class="error" id="change_reason-error">Say why the status changed: Implemented to '
        "Stalled moves backwards.</p>"
    ) in page
    assert logged(db) == [("implemented", "2021-01-10", None)]

    response = client.post(
        f"{URL}/updates/new",
        data=update_form(
            status="stalled", as_of="2021-06-01", change_reason="The parliament repealed it."
        ),
        follow_redirects=True,
    )
    page = squash(response.get_data(as_text=True))
    assert "Status update logged." in page
    assert (
        '<p class="change-reason"><strong>Why did this change?</strong> '
        "The parliament repealed it.</p>"
    ) in page
    assert logged(db)[-1] == ("stalled", "2021-06-01", "The parliament repealed it.")
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "status_update.create")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.after["change_reason"] == "The parliament repealed it."


def test_a_jump_asks_why_and_a_backfilled_update_is_judged_against_its_own_date(
    client: FlaskClient, db: Session, analyst
) -> None:
    client.post(f"{URL}/updates/new", data=update_form(status="no_action", as_of="2020-03-01"))
    jump = client.post(
        f"{URL}/updates/new", data=update_form(status="implemented", as_of="2021-03-01")
    )
    assert "No action to Implemented moves by more than two steps." in squash(
        jump.get_data(as_text=True)
    )
    steady = update_form(status="in_progress", as_of="2021-03-01")
    assert client.post(f"{URL}/updates/new", data=steady).status_code == 302
    # Backfilled before the first update, nothing was in force: no reason needed.
    early = update_form(status="implemented", as_of="2020-02-01")
    assert client.post(f"{URL}/updates/new", data=early).status_code == 302
    # Between them, the one in force then is "No action" of 2020-03-01.
    between = update_form(status="implemented", as_of="2020-06-01")
    assert client.post(f"{URL}/updates/new", data=between).status_code == 200
    assert [status for status, _, _ in logged(db)] == ["no_action", "in_progress", "implemented"]


def test_the_reason_survives_export_import_and_shows_in_the_api(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, db: Session, analyst, tmp_path: Path
) -> None:
    client.post(f"{URL}/updates/new", data=update_form(status="implemented", as_of="2021-01-10"))
    client.post(
        f"{URL}/updates/new",
        data=update_form(status="contradicted", as_of="2021-06-01", change_reason="Reversed."),
    )
    api = client.get(f"/api/v1/recommendations/{SLUG}/updates").json
    assert [item["change_reason"] for item in api["items"]] == ["Reversed.", None]

    for kind in ("json", "csv"):
        first = tmp_path / f"first.{kind}"
        exported = runner.invoke(args=["export", "--format", kind, "--output", str(first)])
        assert exported.exit_code == 0
        if kind == "json":
            document = json.loads(first.read_text(encoding="utf-8"))
            assert [u["change_reason"] for u in document["updates"]] == [None, "Reversed."]
        else:
            assert "change_reason" in first.read_text(encoding="utf-8").splitlines()[0]
        db.close()
        empty_database(get_engine(app))
        if kind == "csv":  # a CSV holds updates only: their recommendations come from the seeds
            load_seeds(db, read_seeds())
            db.commit()
        result = runner.invoke(args=["import", str(first)])
        assert result.exit_code == 0, result.output
        again = runner.invoke(args=["export", "--format", kind])
        assert again.stdout == first.read_text(encoding="utf-8")
    assert logged(db)[-1] == ("contradicted", "2021-06-01", "Reversed.")
