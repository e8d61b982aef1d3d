"""Target dates: set with their origin, changed only with a reason, overdue when past."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db import get_engine
from tracker.models import AuditEvent, Recommendation, TargetDate, User
from tracker.targets.operations import set_target_date
from tracker.vocabulary import Role, Status, TargetOrigin

from .conftest import empty_database
from .helpers import SLUG, add_updates, squash

URL = f"/recommendations/{SLUG}"
OTHER = "un-supported-talks-on-coalition-presence"


def recommendation(db: Session, slug: str = SLUG) -> Recommendation:
    return db.scalars(select(Recommendation).where(Recommendation.slug == slug)).one()


def target_form(**fields: str) -> dict[str, str]:
    return {"target": "2021-06-30", "origin": "source", "detail": "Section 3"} | fields


def test_an_editor_sets_then_changes_a_target_and_both_show_with_the_reason(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    editor = make_user(Role.EDITOR, name="Esther Editor")
    auth.login(editor)
    response = client.post(f"{URL}/target", data=target_form(), follow_redirects=True)
    page = squash(response.get_data(as_text=True))
    assert "Target date set." in page
    assert 'Target date: <strong><time datetime="2021-06-30">2021-06-30</time></strong>' in page
    assert "from the source (Section 3)" in page
    assert "Original target" not in page

    form = squash(client.get(f"{URL}/target").get_data(as_text=True))
    assert 'value="2021-06-30"' in form  # the current target, to change
    response = client.post(
        f"{URL}/target",
        data=target_form(
            target="2022-03-31", origin="commitment", detail="Prime Minister, 1 June 2021",
            reason="The government deferred it to the spring.",
        ),
        follow_redirects=True,
    )  # fmt: skip
    page = squash(response.get_data(as_text=True))
    assert "Target date changed." in page
    assert '<strong><time datetime="2022-03-31">2022-03-31</time></strong>' in page
    assert "from an actor&#39;s own commitment (Prime Minister, 1 June 2021)" in page
    assert 'Original target: <time datetime="2021-06-30">2021-06-30</time>' in page
    assert "changed 1 time." in page
    assert "2021-06-30 → 2022-03-31" in page
    assert "“The government deferred it to the spring.” (Esther Editor," in page

    entries = db.scalars(select(TargetDate).order_by(TargetDate.number)).all()
    assert [(e.number, e.target.isoformat(), e.origin.value) for e in entries] == [
        (1, "2021-06-30", "source"),
        (2, "2022-03-31", "commitment"),
    ]
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action.like("target_date.%")).order_by(AuditEvent.id)
    ).all()
    assert [event.action for event in events] == ["target_date.set", "target_date.change"]
    assert events[1].user_id == editor.id
    assert events[1].before["target"] == "2021-06-30"
    assert events[1].after == {
        "number": 2, "target": "2022-03-31", "origin": "commitment",
        "detail": "Prime Minister, 1 June 2021",
        "reason": "The government deferred it to the spring.",
    }  # fmt: skip


def test_a_change_without_a_reason_is_refused_beside_the_field(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    client.post(f"{URL}/target", data=target_form())
    response = client.post(f"{URL}/target", data=target_form(target="2022-01-01"))
    assert response.status_code == 200
    page = squash(response.get_data(as_text=True))
    assert "The target date was not saved" in page
    assert '<p class="error" id="reason-error">Say why the target date changes.</p>' in page
    response = client.post(f"{URL}/target", data=target_form(reason="No change, really."))
    page = squash(response.get_data(as_text=True))
    assert "This is the target date in force already." in page
    assert len(db.scalars(select(TargetDate)).all()) == 1


def test_an_empty_form_says_what_is_missing_and_saves_nothing(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    response = client.post(f"{URL}/target", data={"target": "", "origin": ""})
    page = squash(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Enter the target date (YYYY-MM-DD)." in page
    assert "Say where the date comes from." in page
    assert db.scalars(select(TargetDate)).all() == []
    assert client.post(f"{URL}/target", data=target_form(target="30/06/2021")).status_code == 200
    assert db.scalars(select(TargetDate)).all() == []


def test_analysts_cannot_set_a_target(client: FlaskClient, db: Session, analyst) -> None:
    assert client.post(f"{URL}/target", data=target_form()).status_code == 403
    assert "Set a target date" not in client.get(URL).get_data(as_text=True)
    assert db.scalars(select(TargetDate)).all() == []


def set_targets(db: Session, editor: User) -> None:
    """Two targets for SLUG, set long ago then deferred yesterday; one for OTHER, met."""
    rec = recommendation(db)
    set_target_date(
        db, rec, target=dt.date(2020, 6, 30), origin=TargetOrigin.SOURCE, detail=None,
        reason=None, by=editor, now=dt.datetime(2020, 2, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    set_target_date(
        db, rec, target=dt.date(2021, 6, 30), origin=TargetOrigin.EDITOR, detail=None,
        reason="Talks were postponed by the pandemic.", by=editor,
        now=dt.datetime.combine(dt.date.today() - dt.timedelta(days=1), dt.time(12), dt.UTC),
    )  # fmt: skip
    set_target_date(
        db, recommendation(db, OTHER), target=dt.date(2020, 12, 31),
        origin=TargetOrigin.COMMITMENT, detail=None, reason=None, by=editor,
        now=dt.datetime(2020, 2, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    db.commit()


def overdue_count(page: str) -> str:
    return squash(page).split('id="count-overdue">')[1].split("<")[0]


def test_overdue_is_flagged_counted_and_filtered_as_of_and_known_on(
    client: FlaskClient, db: Session, make_user, analyst
) -> None:
    set_targets(db, make_user(Role.EDITOR))
    add_updates(db, analyst, OTHER, 1, status=Status.IMPLEMENTED, start=dt.date(2020, 11, 1))
    add_updates(db, analyst, SLUG, 1, status=Status.IN_PROGRESS, start=dt.date(2021, 1, 1))

    page = client.get("/").get_data(as_text=True)
    assert overdue_count(page) == "1"  # SLUG, past 2021-06-30; OTHER is implemented
    filtered = squash(client.get("/?overdue=1").get_data(as_text=True))
    assert "1 recommendation</caption>" in filtered
    assert f'href="/recommendations/{SLUG}' in filtered
    assert f'href="/recommendations/{OTHER}' not in filtered
    assert 'title="Past its target date, 2021-06-30, and not implemented">Overdue' in filtered

    # As of 2021-03-01 the deferred target (known now) is not yet past; OTHER was implemented.
    assert overdue_count(client.get("/?as_of=2021-03-01").get_data(as_text=True)) == "0"
    # As of 2020-10-01 OTHER was not yet implemented and not yet due; SLUG: not yet due.
    assert overdue_count(client.get("/?as_of=2020-10-01").get_data(as_text=True)) == "0"
    # Before the deferral was known, SLUG was due on 2020-06-30; and OTHER's implementation,
    # logged today, was not known either.
    known = f"/?as_of=2021-03-01&known_on={(dt.date.today() - dt.timedelta(days=2)).isoformat()}"
    assert overdue_count(client.get(known).get_data(as_text=True)) == "2"

    show = squash(client.get(URL).get_data(as_text=True))
    assert '<span class="badge overdue"' in show
    assert "Original target: <time" in show and "“Talks were postponed by the pandemic.”" in show
    before = squash(client.get(f"{URL}?known_on=2020-03-01").get_data(as_text=True))
    assert '<time datetime="2020-06-30">2020-06-30</time></strong>' in before
    assert "Original target" not in before  # the change was not known then
    assert "No target date by then." in squash(
        client.get(f"{URL}?known_on=2020-01-15").get_data(as_text=True)
    )


def test_report_cards_show_the_original_the_current_and_the_changes(
    client: FlaskClient, db: Session, make_user, analyst
) -> None:
    set_targets(db, make_user(Role.EDITOR))
    page = squash(client.get("/report").get_data(as_text=True))
    assert '<time datetime="2021-06-30">2021-06-30</time></strong>, from the editor' in page
    assert 'Original target: <time datetime="2020-06-30">2020-06-30</time>' in page
    assert "2020-06-30 → 2021-06-30" in page
    assert '<time datetime="2020-12-31">2020-12-31</time></strong>' in page
    source = squash(
        client.get("/sources/mei-2020-real-cost-us-iran-escalation-iraq/report").get_data(
            as_text=True
        )
    )
    assert "2020-06-30 → 2021-06-30" in source


def test_target_dates_survive_export_import_export_and_import_twice_adds_nothing(
    app: Flask, runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path
) -> None:
    set_targets(db, make_user(Role.EDITOR, email="esther@example.org", name="Esther"))
    first = tmp_path / "first.json"
    assert runner.invoke(args=["export", "--output", str(first)]).exit_code == 0
    exported = json.loads(first.read_text(encoding="utf-8"))
    assert [(t["recommendation"], t["number"], t["target"]) for t in exported["targets"]] == [
        (SLUG, 1, "2020-06-30"),
        (SLUG, 2, "2021-06-30"),
        (OTHER, 1, "2020-12-31"),
    ]
    assert exported["targets"][1]["reason"] == "Talks were postponed by the pandemic."
    assert {"email": "esther@example.org", "name": "Esther"} in exported["authors"]
    db.close()
    empty_database(get_engine(app))

    result = runner.invoke(args=["import", str(first)])
    assert result.exit_code == 0, result.output
    assert "15 recommendations, 3 target dates;" in result.stdout
    second = runner.invoke(args=["export"])
    assert second.stdout == first.read_text(encoding="utf-8")
    again = runner.invoke(args=["import", str(first)])
    assert "nothing new" in again.stdout and "3 target dates already present" in again.stdout


def test_an_import_refuses_bad_target_entries_whole_naming_each(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    entry = {
        "recommendation": SLUG, "number": 1, "target": "2021-06-30", "origin": "source",
        "detail": None, "reason": None, "author": "e@example.org",
        "set_at": "2021-01-01T00:00:00+00:00",
    }  # fmt: skip
    document = {
        "format": "tracker-export",
        "version": 1,
        "targets": [
            entry,
            entry | {"number": 2, "target": "2022-01-01"},
            entry | {"number": 3, "origin": "rumour", "target": "2022-13-01", "reason": "x"},
            entry | {"recommendation": "no-such-thing", "author": "nobody"},
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-6:] == [
        f"{path}: 5 errors; nothing was imported.",
        "  $.targets[3].author: Expected an email address.",
        "  $.targets[1].reason: Say why the target date changes.",
        "  $.targets[2].target: Not a valid date value.",
        "  $.targets[2].origin: Not a valid choice.",
        "  $.targets[3].recommendation: No recommendation has the slug “no-such-thing”.",
    ]
    assert db.scalars(select(TargetDate)).all() == []
