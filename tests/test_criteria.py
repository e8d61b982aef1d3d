"""Criteria: written in advance and versioned, marked by updates, checked against "Implemented"."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.criteria.operations import add_criterion, revise_criterion
from tracker.db import get_engine
from tracker.models import (
    AuditEvent,
    Criterion,
    CriterionMark,
    CriterionVersion,
    Recommendation,
    StatusUpdate,
    User,
)
from tracker.status_updates import CriteriaReasonNeeded, MarkInput, record_status_update
from tracker.vocabulary import Confidence, CriterionKind, Role, Status, Verdict

from .conftest import empty_database
from .helpers import SLUG, add_criteria_and_signposts, add_updates, squash, update_form
from .test_status_updates import EVIDENCE

URL = f"/recommendations/{SLUG}"
# Three of the seeded article's recommendations, with what must happen for each.
COMPLETION = {
    SLUG: "The Coalition and Iraqi forces resume joint operations against ISIS.",
    "un-supported-talks-on-coalition-presence": "UNAMI convenes talks on the Coalition's presence.",
    "interim-administration-and-early-elections": "Parliament sets early elections.",
}


def recommendation(db: Session, slug: str = SLUG) -> Recommendation:
    return db.scalars(select(Recommendation).where(Recommendation.slug == slug)).one()


def criteria_of(db: Session, slug: str = SLUG) -> list[Criterion]:
    db.rollback()  # see what requests committed
    return list(
        db.scalars(
            select(Criterion)
            .where(Criterion.recommendation_id == recommendation(db, slug).id)
            .order_by(Criterion.number)
        )
    )


def write_criteria(db: Session, editor: User) -> dict[str, int]:
    """Two completion criteria and a success criterion for SLUG; their ids by name."""
    rec = recommendation(db)
    made = {
        "joint": add_criterion(
            db, rec, kind=CriterionKind.COMPLETION, text=COMPLETION[SLUG], by=editor,
            now=dt.datetime(2020, 2, 1, tzinfo=dt.UTC),
        ),
        "training": add_criterion(
            db, rec, kind=CriterionKind.COMPLETION, text="Coalition training missions restart.",
            by=editor, now=dt.datetime(2020, 2, 1, tzinfo=dt.UTC),
        ),
        "attacks": add_criterion(
            db, rec, kind=CriterionKind.SUCCESS, text="ISIS attacks fall.", by=editor,
            now=dt.datetime(2020, 2, 1, tzinfo=dt.UTC),
        ),
    }  # fmt: skip
    db.commit()
    return {name: criterion.id for name, criterion in made.items()}


def marks_form(ids: list[int], **verdicts: tuple[str, str]) -> dict[str, str]:
    """The criteria rows of the update form for criteria `ids`, in order, as a browser sends
    them: `verdicts` maps a row number ("r0") to (verdict, note)."""
    data = {}
    for row, criterion_id in enumerate(ids):
        verdict, note = verdicts.get(f"r{row}", ("", ""))
        data |= {
            f"marks-{row}-criterion": str(criterion_id),
            f"marks-{row}-verdict": verdict,
            f"marks-{row}-note": note,
        }
    return data


def test_an_editor_writes_completion_criteria_for_three_recommendations(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    editor = make_user(Role.EDITOR, name="Esther Editor")
    auth.login(editor)
    for slug, text in COMPLETION.items():
        response = client.post(
            f"/recommendations/{slug}/criteria", data={"kind": "completion", "text": text},
            follow_redirects=True,
        )  # fmt: skip
        page = squash(response.get_data(as_text=True))
        assert "Criterion #1 added." in page
        assert f"<strong>#1</strong> {text}".replace("'", "&#39;") in page
        shown = squash(client.get(f"/recommendations/{slug}").get_data(as_text=True))
        assert '<section id="criteria"' in shown
        assert '<span class="badge verdict">Not marked</span> <strong>#1</strong>' in shown
    for slug in COMPLETION:
        [criterion] = criteria_of(db, slug)
        assert criterion.kind is CriterionKind.COMPLETION
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "criterion.create")).all()
    assert len(events) == 3
    assert {event.after["recommendation"] for event in events} == set(COMPLETION)
    assert all(event.user_id == editor.id for event in events)


def test_each_edit_is_a_new_version_with_history_and_withdrawing_keeps_it(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR, name="Esther Editor"))
    client.post(f"{URL}/criteria", data={"kind": "completion", "text": "Joint operations resume."})
    form = client.get(f"{URL}/criteria/1").get_data(as_text=True)
    assert "Joint operations resume.</textarea>" in form
    response = client.post(
        f"{URL}/criteria/1",
        data={"text": "Joint operations resume in Anbar.", "reason": "Narrowed to what was meant."},
        follow_redirects=True,
    )
    page = squash(response.get_data(as_text=True))
    assert "Criterion #1: new version saved." in page
    assert "<strong>#1</strong> Joint operations resume in Anbar." in page
    assert "All 2 versions" in page
    assert "“Narrowed to what was meant.”" in page
    # Saving it unchanged is refused beside the field, and adds nothing.
    same = client.post(f"{URL}/criteria/1", data={"text": "Joint operations resume in Anbar."})
    assert "This is the criterion as it stands already." in same.get_data(as_text=True)
    client.post(
        f"{URL}/criteria/1",
        data={"text": "Joint operations resume in Anbar.", "withdrawn": "y", "reason": "Moot."},
    )
    [criterion] = criteria_of(db)
    versions = db.scalars(
        select(AuditEvent).where(AuditEvent.action.like("criterion.%")).order_by(AuditEvent.id)
    ).all()
    assert [event.action for event in versions] == [
        "criterion.create", "criterion.revise", "criterion.withdraw",
    ]  # fmt: skip
    assert versions[1].before["text"] == "Joint operations resume."
    assert versions[1].after["text"] == "Joint operations resume in Anbar."
    shown = squash(client.get(URL).get_data(as_text=True))
    assert "Joint operations resume" not in shown[shown.index('id="criteria"') :][:2000]
    listing = squash(client.get(f"{URL}/criteria").get_data(as_text=True))
    assert "Withdrawn" in listing and "All 3 versions" in listing
    versions = db.scalars(
        select(CriterionVersion)
        .where(CriterionVersion.criterion_id == criterion.id)
        .order_by(CriterionVersion.number)
    ).all()
    assert [(v.number, v.text, v.withdrawn) for v in versions] == [
        (1, "Joint operations resume.", False),
        (2, "Joint operations resume in Anbar.", False),
        (3, "Joint operations resume in Anbar.", True),
    ]


def test_empty_criteria_forms_say_what_is_missing_and_save_nothing(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    response = client.post(f"{URL}/criteria", data={"kind": "", "text": ""})
    page = squash(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose the kind of criterion." in page
    assert "Write what the criterion tests." in page
    assert criteria_of(db) == []
    client.post(f"{URL}/criteria", data={"kind": "failure", "text": "Attacks resume."})
    refused = client.post(f"{URL}/criteria/1", data={"text": "  "})
    assert "Write what the criterion tests." in refused.get_data(as_text=True)
    assert client.get(f"{URL}/criteria/2").status_code == 404
    [criterion] = criteria_of(db)
    assert len(db.scalars(select(CriterionVersion)).all()) == 1


def test_analysts_cannot_write_criteria(client: FlaskClient, db: Session, analyst) -> None:
    data = {"kind": "completion", "text": "Anything."}
    assert client.post(f"{URL}/criteria", data=data).status_code == 403
    assert "Write criteria" not in client.get(URL).get_data(as_text=True)
    assert criteria_of(db) == []


def test_an_update_marks_criteria_through_the_form_and_the_page_shows_them(
    client: FlaskClient, db: Session, make_user, analyst
) -> None:
    ids = write_criteria(db, make_user(Role.EDITOR))
    form = squash(client.get(f"{URL}/updates/new").get_data(as_text=True))
    assert "Completion</span> #1 The Coalition and Iraqi forces resume joint operations" in form
    assert 'name="marks-2-criterion" type="hidden" value="{}"'.format(ids["attacks"]) in form
    rows = [ids["joint"], ids["training"], ids["attacks"]]
    response = client.post(
        f"{URL}/updates/new",
        data=update_form(status="in_progress", as_of="2021-03-01")
        | marks_form(rows, r0=("met", "Joint patrols resumed in **Anbar**."), r1=("not_met", "")),
        follow_redirects=True,
    )
    page = squash(response.get_data(as_text=True))
    assert "Status update logged." in page
    checklist = page[page.index('id="criteria"') : page.index('id="signposts"')]
    assert (
        '<li class="verdict-met" id="check-1"> <span class="badge verdict">Met</span> '
        "<strong>#1</strong>"
    ) in checklist
    assert "Joint patrols resumed in <strong>Anbar</strong>." in checklist
    assert '<li class="verdict-not_met" id="check-2">' in checklist
    assert '<li class="verdict-unmarked" id="check-3">' in checklist
    timeline = page[page.index('class="timeline"') :]
    assert '<span class="badge verdict verdict-met">Met</span> Completion criterion #1' in timeline
    db.rollback()
    marks = db.scalars(select(CriterionMark).order_by(CriterionMark.criterion_id)).all()
    assert [(mark.criterion_id, mark.verdict) for mark in marks] == [
        (ids["joint"], Verdict.MET), (ids["training"], Verdict.NOT_MET),
    ]  # fmt: skip
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "status_update.create")).one()
    assert event.after["criteria"] == {str(ids["joint"]): "met", str(ids["training"]): "not_met"}


def test_a_note_without_a_verdict_and_a_forged_criterion_are_refused(
    client: FlaskClient, db: Session, make_user, analyst
) -> None:
    ids = write_criteria(db, make_user(Role.EDITOR))
    response = client.post(
        f"{URL}/updates/new",
        data=update_form() | marks_form([ids["joint"]], r0=("", "Some note.")),
    )
    assert "Choose met, not met or unclear for this note, or clear it." in response.get_data(
        as_text=True
    )
    other = add_criterion(
        db, recommendation(db, "un-supported-talks-on-coalition-presence"),
        kind=CriterionKind.COMPLETION, text="Talks convene.", by=make_user(Role.EDITOR),
    )  # fmt: skip
    db.commit()
    forged = client.post(
        f"{URL}/updates/new", data=update_form() | marks_form([other.id], r0=("met", ""))
    )
    assert "are not this recommendation&#39;s criteria in force" in forged.get_data(as_text=True)
    db.rollback()
    assert db.scalars(select(StatusUpdate)).all() == []


def test_implemented_against_an_unmet_completion_criterion_needs_a_reason(
    client: FlaskClient, db: Session, make_user, analyst
) -> None:
    ids = write_criteria(db, make_user(Role.EDITOR))
    rows = [ids["joint"], ids["training"], ids["attacks"]]
    client.post(
        f"{URL}/updates/new",
        data=update_form(status="in_progress", as_of="2021-01-01")
        | marks_form(rows, r0=("met", ""), r1=("not_met", "")),
    )
    implemented = update_form(status="implemented", as_of="2021-06-01")
    refused = client.post(f"{URL}/updates/new", data=implemented | marks_form(rows))
    assert refused.status_code == 200
    page = squash(refused.get_data(as_text=True))
    assert (
        '<p class="error" id="criteria_reason-error">Say why this is Implemented while '
        "completion criteria are not met: #2 (not met).</p>"
    ) in page
    # Marking the one not met as unclear still leaves it open.
    unclear = client.post(
        f"{URL}/updates/new", data=implemented | marks_form(rows, r1=("unclear", ""))
    )
    assert "#2 (unclear)" in unclear.get_data(as_text=True)
    db.rollback()
    assert len(db.scalars(select(StatusUpdate)).all()) == 1

    accepted = client.post(
        f"{URL}/updates/new",
        data=implemented
        | marks_form(rows)
        | {"criteria_reason": "Training restarts under NATO's mission instead."},
        follow_redirects=True,
    )
    page = squash(accepted.get_data(as_text=True))
    assert "Status update logged." in page
    assert (
        '<p class="change-reason criteria-reason"><strong>Why Implemented despite its '
        "criteria?</strong> Training restarts under NATO&#39;s mission instead.</p>"
    ) in page
    db.rollback()
    latest = db.scalars(select(StatusUpdate).order_by(StatusUpdate.id.desc())).first()
    assert latest.criteria_reason == "Training restarts under NATO's mission instead."
    # Every completion criterion met, by earlier updates or this one: no reason needed.
    met = client.post(
        f"{URL}/updates/new",
        data=update_form(status="implemented", as_of="2021-07-01")
        | marks_form(rows, r1=("met", "Training restarted.")),
    )
    assert met.status_code == 302


def test_the_rule_holds_in_the_write_path_itself(db: Session, make_user) -> None:
    ids = write_criteria(db, make_user(Role.EDITOR))
    analyst = make_user(Role.ANALYST)
    rec = recommendation(db)
    add_updates(db, analyst, SLUG, 1, status=Status.IN_PROGRESS, start=dt.date(2021, 1, 1))
    kwargs = {
        "author": analyst, "status": Status.IMPLEMENTED, "as_of": dt.date(2021, 2, 1),
        "assessment": "Done.", "confidence": Confidence.HIGH, "evidence": EVIDENCE,
    }  # fmt: skip
    with pytest.raises(CriteriaReasonNeeded, match=r"#1 \(unmarked\), #2 \(unmarked\)"):
        record_status_update(db, rec, **kwargs)
    db.rollback()
    rec = recommendation(db)
    marks = [MarkInput(ids["joint"], Verdict.MET), MarkInput(ids["training"], Verdict.MET)]
    update = record_status_update(db, rec, **kwargs, marks=marks)
    assert update.criteria_reason is None


def test_the_checklist_shows_as_of_an_earlier_date_and_as_known_then(
    client: FlaskClient, db: Session, make_user, analyst
) -> None:
    ids = write_criteria(db, make_user(Role.EDITOR))
    rows = [ids["joint"], ids["training"], ids["attacks"]]
    client.post(
        f"{URL}/updates/new",
        data=update_form(status="in_progress", as_of="2021-01-01")
        | marks_form(rows, r0=("not_met", "No joint operations yet.")),
    )
    client.post(
        f"{URL}/updates/new",
        data=update_form(status="partially_implemented", as_of="2021-06-01")
        | marks_form(rows, r0=("met", "Joint operations resumed.")),
    )

    def verdict_of_first(query: str) -> str:
        page = squash(client.get(f"{URL}?{query}").get_data(as_text=True))
        checklist = page[page.index('id="criteria"') : page.index('id="signposts"')]
        found = re.search(r'<li class="verdict-(\w+)" id="check-1">', checklist)
        assert found, checklist
        return found.group(1)

    assert verdict_of_first("") == "met"
    assert verdict_of_first("as_of=2021-03-01") == "not_met"
    assert verdict_of_first("as_of=2020-12-01") == "unmarked"
    # Known on a day before any update was logged, no verdict: the wording was written then.
    assert verdict_of_first(f"known_on=2020-03-01&as_of={dt.date.today()}") == "unmarked"
    before = squash(client.get(f"{URL}?known_on=2020-01-15").get_data(as_text=True))
    assert "No criteria by then." in before


def test_the_recommendation_page_runs_as_many_statements_however_many_criteria(
    client: FlaskClient, db: Session, make_user, analyst, count_statements
) -> None:
    editor = make_user(Role.EDITOR)
    rec = recommendation(db)
    first = add_criterion(db, rec, kind=CriterionKind.COMPLETION, text="One.", by=editor)
    db.commit()
    client.post(f"{URL}/updates/new", data=update_form() | marks_form([first.id], r0=("met", "")))
    client.get("/corrections")  # the first request after login also settles the session
    counter = count_statements()
    assert client.get(URL).status_code == 200
    with_one = counter.count
    rec = recommendation(db)
    more = [
        add_criterion(db, rec, kind=CriterionKind.SUCCESS, text=f"More {n}.", by=editor)
        for n in range(6)
    ]
    db.commit()
    for _ in range(3):
        client.post(
            f"{URL}/updates/new",
            data=update_form()
            | marks_form([first.id, *(c.id for c in more)], r0=("met", ""), r3=("unclear", "")),
        )
    client.get("/corrections")
    counter = count_statements()
    page = client.get(URL)
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('id="check-') == 7
    assert counter.count == with_one


def test_criteria_marks_and_signposts_survive_export_import_and_importing_twice_adds_nothing(
    app: Flask, runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path
) -> None:
    editor = make_user(Role.EDITOR, email="esther@example.org", name="Esther")
    add_criteria_and_signposts(db, editor, make_user(Role.ANALYST, email="nadia@example.org"))
    revise_criterion(
        db, criteria_of(db)[0], text="Joint operations resume in Anbar.", withdrawn=False,
        reason="Narrowed.", by=editor,
    )  # fmt: skip
    db.commit()
    first = tmp_path / "first.json"
    assert runner.invoke(args=["export", "--output", str(first)]).exit_code == 0
    exported = json.loads(first.read_text(encoding="utf-8"))
    assert [(c["number"], c["version"], c["kind"]) for c in exported["criteria"]] == [
        (1, 1, "completion"), (1, 2, "completion"), (2, 1, "success"),
    ]  # fmt: skip
    assert exported["criteria"][1]["reason"] == "Narrowed."
    [update] = exported["updates"]
    assert update["criteria"] == [
        {"criterion": 1, "verdict": "met", "note": "Patrols resumed."},
        {"criterion": 2, "verdict": "unclear", "note": ""},
    ]
    [signpost] = exported["signposts"]
    assert [o["retracted"] is not None for o in signpost["observations"]] == [True, False]
    assert signpost["observations"][0]["retracted"]["reason"] == "A rehearsal."
    db.close()
    empty_database(get_engine(app))

    result = runner.invoke(args=["import", str(first)])
    assert result.exit_code == 0, result.output
    assert (
        "15 recommendations, 3 criteria versions, 1 signpost, 2 signpost observations, "
        "1 status update;"
    ) in result.stdout
    assert "1 signpost observation retracted." in result.stdout
    second = runner.invoke(args=["export"])
    assert second.stdout == first.read_text(encoding="utf-8")
    again = runner.invoke(args=["import", str(first)])
    assert "nothing new" in again.stdout, again.stdout
    assert "3 criteria versions already present" in again.stdout


def test_an_import_refuses_bad_criteria_and_marks_whole_naming_each(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    entry = {
        "recommendation": SLUG, "number": 1, "kind": "completion", "version": 1,
        "text": "Joint operations resume.", "withdrawn": False, "reason": None,
        "author": "e@example.org", "written_at": "2021-01-01T00:00:00+00:00",
    }  # fmt: skip
    update = {
        "key": "u1", "recommendation": SLUG, "author": "a@example.org",
        "logged_at": "2021-02-01T00:00:00+00:00", "status": "implemented", "as_of": "2021-01-20",
        "confidence": "high", "assessment": "Done.",
        "criteria": [{"criterion": 9, "verdict": "met"}, {"criterion": 1, "verdict": "done"}],
        "evidence": [{"url": "https://news.example.org/a", "title": "A", "publisher": "P",
                      "excerpt": "E", "stance": "supports", "reliability": "B",
                      "credibility": "2"}],
    }  # fmt: skip
    document = {
        "format": "tracker-export",
        "version": 1,
        "criteria": [entry, entry | {"version": 3}, entry | {"number": 2, "kind": "hope"}],
        "updates": [update],
        "signposts": [
            {"recommendation": SLUG, "number": 1, "event": "", "direction": "sideways",
             "diagnosticity": "strong", "author": "e@example.org",
             "written_at": "2021-01-01T00:00:00+00:00", "observations": []}
        ],
    }  # fmt: skip
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    errors = result.stderr
    for message in (
        "$.criteria[2].kind: Not a valid choice.",
        "$.criteria[1].version: Expected version 2 next.",
        "$.signposts[0].event: Name the event to watch for.",
        "$.signposts[0].direction: Not a valid choice.",
        "$.updates[0].criteria[0].criterion: Expected the number of one of the "
        "recommendation's criteria, once.",
        "$.updates[0].criteria[1].verdict: Not a valid choice.",
    ):
        assert message in errors, errors
    assert "nothing was imported" in errors
    db.rollback()
    assert db.scalars(select(Criterion)).all() == []
    assert db.scalars(select(StatusUpdate)).all() == []


def test_an_entry_given_twice_is_refused_and_the_entries_after_it_are_not_blamed(
    app: Flask, runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path
) -> None:
    add_criteria_and_signposts(db, make_user(Role.EDITOR), make_user(Role.ANALYST))
    exported = json.loads(runner.invoke(args=["export"]).stdout)
    db.close()
    empty_database(get_engine(app))
    criteria, [signpost] = exported["criteria"], exported["signposts"]
    document = dict(
        exported,
        updates=[],
        criteria=[criteria[0], *criteria],  # the first version twice
        signposts=[signpost, dict(signpost, number=2)],  # each with two observations
    )
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(document))

    result = runner.invoke(args=["import", str(path)])

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2:] == [
        f"{path}: 1 error; nothing was imported.",
        "  $.criteria[1].version: Expected version 2 next.",
    ]
    db.rollback()
    assert db.scalars(select(Criterion)).all() == []
    del document["criteria"][1]
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 criteria versions, 2 signposts, 4 signpost observations" in result.stdout


def test_the_api_lists_criteria_with_versions_and_verdicts_and_updates_their_marks(
    client: FlaskClient, db: Session, make_user, analyst
) -> None:
    add_criteria_and_signposts(db, make_user(Role.EDITOR), make_user(Role.ANALYST))
    body = client.get(f"/api/v1/recommendations/{SLUG}/criteria").json
    assert [(c["number"], c["kind"], c["verdict"]) for c in body["items"]] == [
        (1, "completion", "met"), (2, "success", "unclear"),
    ]  # fmt: skip
    assert body["items"][0]["versions"][0]["text"] == "Joint operations resume."
    [update] = client.get(f"/api/v1/recommendations/{SLUG}/updates").json["items"]
    assert update["criteria"][0] == {"criterion": 1, "verdict": "met", "note": "Patrols resumed."}
    signposts = client.get(f"/api/v1/recommendations/{SLUG}/signposts").json["items"]
    assert signposts[0]["seen"] is True
    assert [o["retracted"] for o in signposts[0]["observations"]] == [False, True]
    rec = client.get(f"/api/v1/recommendations/{SLUG}").json
    assert rec["criteria_url"].endswith(f"/api/v1/recommendations/{SLUG}/criteria")
    assert client.get("/api/v1/recommendations/nothing/criteria").status_code == 404
