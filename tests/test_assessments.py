"""Blind reviews: independent assessments hidden until one's own is in, their spread, the
consensus recorded as the official update, and the disagreement filter."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.assessments import operations
from tracker.models import (
    AuditEvent,
    BlindReview,
    IndependentAssessment,
    Notification,
    Recommendation,
    StatusUpdate,
    User,
)
from tracker.notifications.operations import watch
from tracker.status_updates import EvidenceInput
from tracker.vocabulary import Confidence, Credibility, Reliability, Role, Stance, Status

from .conftest import Auth, round_trip
from .helpers import SLUG, evidence_row, squash

URL = f"/recommendations/{SLUG}"


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return squash(response.get_data(as_text=True))


def open_review(client: FlaskClient, *analysts: User, **fields: str) -> int:
    data = {"as_of": "2021-06-01", "analysts": [str(user.id) for user in analysts]} | fields
    response = client.post(f"{URL}/blind-reviews/new", data=data)
    assert response.status_code == 302, squash(response.get_data(as_text=True))[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def assessment(status: str, rationale: str, **fields: str) -> dict[str, str]:
    return {"status": status, "confidence": "moderate", "rationale": rationale} | fields


def count(db: Session, model: type) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_an_editor_opens_a_review_audited_and_a_second_waits_for_the_first(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    editor = make_user(Role.EDITOR, name="Esther Editor")
    first, second = make_user(name="Amal Analyst"), make_user(name="Basim Analyst")
    auth.login(editor)
    review_id = open_review(
        client, first, second, closes_on=(dt.date.today() + dt.timedelta(days=7)).isoformat()
    )
    text = page(client, f"{URL}/blind-reviews/{review_id}")
    assert "Blind review 1" in text
    assert 'id="review-progress">0 of 2 submitted<' in text
    assert "asked Amal Analyst, Basim Analyst." in text
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "blind_review.open")).one()
    assert event.user_id == editor.id
    assert event.after["analysts"] == sorted([first.email, second.email])
    assert event.after["as_of"] == "2021-06-01"

    again = client.post(f"{URL}/blind-reviews/new", data={"as_of": "2021-06-01"})
    assert again.status_code == 200
    assert "in blind review already" in squash(again.get_data(as_text=True))
    assert count(db, BlindReview) == 1


def test_the_open_form_submitted_empty_or_wrong_says_why_and_keeps_what_was_typed(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    empty = squash(client.post(f"{URL}/blind-reviews/new", data={}).get_data(as_text=True))
    assert "There is a problem" in empty
    assert "Enter the date the status is judged as of." in empty
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    wrong = client.post(
        f"{URL}/blind-reviews/new", data={"as_of": future, "closes_on": "2020-01-01"}
    )
    text = squash(wrong.get_data(as_text=True))
    assert "The date cannot be in the future." in text
    assert f'value="{future}"' in text
    assert count(db, BlindReview) == 0
    past = client.post(
        f"{URL}/blind-reviews/new", data={"as_of": "2021-01-01", "closes_on": "2020-01-01"}
    )
    assert "The closing date cannot be in the past." in squash(past.get_data(as_text=True))
    assert count(db, BlindReview) == 0


def api(client: FlaskClient, slug: str = SLUG) -> list[dict]:
    response = client.get(f"/api/v1/recommendations/{slug}/blind-reviews")
    assert response.status_code == 200
    return response.json["items"]


def consensus_form(**fields: str) -> dict[str, str]:
    data = {
        "status": "stalled",
        "assessment": "Talks stopped after the strikes; the analysts differ on a restart.",
        "confidence": "moderate",
        "change_reason": "",
        "save": "Record the consensus",
    }
    return data | evidence_row(0) | fields


def test_the_seeded_article_in_blind_review_by_two_analysts(
    app: Flask, client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    """The first sees nothing of the second's before submitting; then both see both, their
    disagreement shows and the dashboard finds it; an editor records the consensus."""
    editor = make_user(Role.EDITOR, name="Esther Editor")
    amal = make_user(name="Amal Analyst")
    basim = make_user(name="Basim Analyst")
    carl = make_user(name="Carl Uninvited")
    viewer = make_user(Role.VIEWER, name="Vera Viewer")
    auth.login(editor)
    review_id = open_review(client, amal, basim)
    review_url = f"{URL}/blind-reviews/{review_id}"

    # Basim submits first.
    auth.login(basim)
    secret = "BASIM-RATIONALE: talks stalled after the January strikes."
    response = client.post(
        f"{review_url}/assess",
        data=assessment(
            "stalled", secret, confidence="high",
            evidence_url="https://news.example.org/basim-evidence", evidence_title="Basim's source",
        ),
        follow_redirects=True,
    )  # fmt: skip
    text = squash(response.get_data(as_text=True))
    assert "Your assessment is submitted" in text
    assert secret in text  # his own shows to him

    # Amal, before submitting, sees nothing of Basim's: not on the page, the recommendation
    # page, the API, the export or the dashboard; only the progress.
    auth.login(amal)
    for url in (review_url, URL, "/", "/?disagree=1"):
        text = page(client, url)
        assert "BASIM-RATIONALE" not in text
        assert "basim-evidence" not in text
        assert "Assessments disagree</span> <strong" not in text or 'id="count-disagree">0<' in text
    text = page(client, review_url)
    assert 'id="review-progress">1 of 2 submitted<' in text
    assert "Hidden until you submit yours" in text
    assert "The spread" not in text
    assert "Basim Analyst," not in text  # who submitted when: editors only
    assert 'name="rationale"' in text
    [blind] = api(client)
    assert blind["visible"] is False
    assert blind["assessments"] == []
    assert blind["disagree"] is None
    assert blind["submitted"] == 1
    exported = client.get("/export/tracker.json").get_data(as_text=True)
    assert "BASIM-RATIONALE" not in exported
    assert "basim-evidence" not in exported
    assert f'href="/recommendations/{SLUG}"' not in page(client, "/?disagree=1")

    # The editor sees progress, not contents.
    auth.login(editor)
    text = page(client, review_url)
    assert "BASIM-RATIONALE" not in text
    assert "Basim Analyst, <time" in text

    # An analyst not asked is refused; the viewer sees progress only.
    auth.login(carl)
    assert (
        client.post(f"{review_url}/assess", data=assessment("stalled", "Mine.")).status_code == 403
    )
    assert "BASIM-RATIONALE" not in page(client, review_url)
    auth.login(viewer)
    assert "BASIM-RATIONALE" not in page(client, review_url)
    assert api(client)[0]["assessments"] == []

    # Amal submits, with Enter (no button name), and sees both.
    auth.login(amal)
    response = client.post(
        f"{review_url}/assess",
        data={
            "status": "in_progress",
            "confidence": "low",
            "rationale": "AMAL: talks resumed *quietly*.",
        },
        follow_redirects=True,
    )
    text = squash(response.get_data(as_text=True))
    assert secret in text
    assert "AMAL: talks resumed <em>quietly</em>." in text
    assert "Assessments disagree" in text
    assert "2 statuses among 2 assessments" in text
    assert "no status has a majority" in text
    assert text.count('class="differs"') >= 2
    [seen] = api(client)
    assert seen["visible"] is True and seen["disagree"] is True
    assert seen["state"] == "ended"  # the last analyst asked ended the submissions
    assert {a["analyst"]["name"]: a["status"]["value"] for a in seen["assessments"]} == {
        "Basim Analyst": "stalled", "Amal Analyst": "in_progress",
    }  # fmt: skip
    board = page(client, "/?disagree=1")
    assert f'href="/recommendations/{SLUG}"' in board
    # The row's badge leads to the blind reviews on the recommendation's page.
    assert f'<a class="badge disagree" href="/recommendations/{SLUG}#blind-reviews"' in board
    assert 'id="count-disagree">1<' in board

    # A second submission is refused and changes nothing.
    again = client.post(f"{review_url}/assess", data=assessment("implemented", "Changed my mind."))
    assert again.status_code == 200
    assert "takes no more assessments" in squash(again.get_data(as_text=True))
    assert count(db, IndependentAssessment) == 2

    # Both see both; so does the viewer, now that submissions are over.
    auth.login(basim)
    assert "AMAL: talks resumed" in page(client, review_url)
    auth.login(viewer)
    assert "AMAL: talks resumed" in page(client, review_url)
    assert SLUG in page(client, "/?disagree=1")

    # The editor records the consensus: submitted empty first, which saves nothing.
    auth.login(editor)
    form = page(client, f"{review_url}/consensus")
    assert "The spread" in form and secret in form
    empty = client.post(f"{review_url}/consensus", data={})
    assert empty.status_code == 200
    assert "There is a problem" in squash(empty.get_data(as_text=True))
    assert count(db, StatusUpdate) == 0
    response = client.post(f"{review_url}/consensus", data=consensus_form())
    assert response.status_code == 302
    db.rollback()
    update = db.scalars(select(StatusUpdate)).one()
    assert response.headers["Location"].endswith(f"{URL}#update-{update.id}")
    assert (update.status.value, update.as_of, update.author_id) == (
        "stalled",
        dt.date(2021, 6, 1),
        editor.id,
    )
    review = db.get_one(BlindReview, review_id)
    assert review.consensus_update_id == update.id
    assert review.closed_at is not None and review.closed_by_id == editor.id
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["status_update.create", "blind_review.close"]
    assert actions.count("independent_assessment.submit") == 2
    assert "blind_review.end" in actions

    timeline = page(client, URL)
    assert f'id="update-{update.id}"' in timeline
    assert (
        f'of <a href="{review_url}">blind review 1</a>: it settles 2 independent assessments.'
    ) in timeline
    closed = page(client, review_url)
    assert "Closed" in closed and f'href="{URL}#update-{update.id}"' in closed
    assert api(client)[0]["consensus_update_id"] == update.id
    # Closed, its disagreement stays findable.
    assert SLUG in page(client, "/?disagree=1")
    # A closed review takes no consensus again.
    assert client.post(f"{review_url}/consensus", data=consensus_form()).status_code == 302
    assert count(db, StatusUpdate) == 1


def reviewed_history(db: Session, make_user) -> dict[str, User]:
    """A closed review with a consensus, and an open one, recorded through the services."""
    editor = make_user(Role.EDITOR, name="Esther Editor")
    amal, basim = make_user(name="Amal Analyst"), make_user(name="Basim Analyst")
    rec = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    other = db.scalars(
        select(Recommendation).where(
            Recommendation.slug == "un-supported-talks-on-coalition-presence"
        )
    ).one()
    at = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    review = operations.open_review(
        db, rec, by=editor, as_of=dt.date(2021, 6, 1), analysts=[amal, basim], now=at
    )
    db.refresh(review, ["analysts", "assessments"])
    for minutes, (who, status) in enumerate(
        ((amal, Status.IN_PROGRESS), (basim, Status.STALLED)), 1
    ):
        operations.submit_assessment(
            db, review, assessor=who, status=status, confidence=Confidence.MODERATE,
            rationale=f"{who.name}: my reasons.", evidence_url="https://news.example.org/x",
            evidence_title=None, now=at + dt.timedelta(minutes=minutes),
        )  # fmt: skip
    operations.record_consensus(
        db, review, editor=editor, status=Status.STALLED, assessment="Settled: stalled.",
        confidence=Confidence.MODERATE, evidence=[EVIDENCE],
        now=at + dt.timedelta(hours=1),
    )  # fmt: skip
    open_one = operations.open_review(db, other, by=editor, as_of=dt.date(2021, 7, 1), now=at)
    db.refresh(open_one, ["analysts", "assessments"])
    operations.submit_assessment(
        db, open_one, assessor=basim, status=Status.NO_ACTION, confidence=Confidence.LOW,
        rationale="OPEN-SECRET", now=at + dt.timedelta(minutes=5),
    )  # fmt: skip
    db.commit()
    return {"editor": editor, "amal": amal, "basim": basim}


EVIDENCE = EvidenceInput(
    url="https://news.example.org/consensus", title="Consensus source", publisher="Example News",
    excerpt="Quoted.", stance=Stance.SUPPORTS, reliability=Reliability.B,
    credibility=Credibility.PROBABLE,
)  # fmt: skip


def test_blind_reviews_go_through_export_and_import_and_come_back_identical(
    app: Flask, runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path
) -> None:
    reviewed_history(db, make_user)
    first, result = round_trip(app, runner, db, tmp_path)
    exported = json.loads(first.read_text(encoding="utf-8"))
    closed, still_open = exported["blind_reviews"]
    assert closed["consensus"] and closed["closed_by"] and not closed["withheld"]
    assert [a["status"] for a in closed["assessments"]] == ["in_progress", "stalled"]
    assert still_open["assessments"][0]["rationale"] == "OPEN-SECRET"  # the command holds all
    assert "3 independent assessments, 2 blind reviews" in result.output
    second = runner.invoke(args=["export"])
    assert second.stdout == first.read_text(encoding="utf-8")
    again = runner.invoke(args=["import", str(first)])
    assert again.exit_code == 0
    assert "nothing new" in again.output
    assert "2 blind reviews already present" in again.output


def test_a_readers_export_withholds_what_the_blind_hides_and_imports_say_what_is_wrong(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, db: Session, make_user, auth: Auth,
    tmp_path: Path,
) -> None:  # fmt: skip
    people = reviewed_history(db, make_user)
    auth.login(people["amal"])  # asked by nobody in the open review, and not submitted there
    exported = client.get("/export/tracker.json").json
    closed, still_open = exported["blind_reviews"]
    assert len(closed["assessments"]) == 2
    assert still_open["withheld"] is True and still_open["assessments"] == []
    assert "OPEN-SECRET" not in json.dumps(exported)
    auth.login(people["basim"])  # who submitted in it
    assert "OPEN-SECRET" in client.get("/export/tracker.json").get_data(as_text=True)

    broken = dict(closed, number=0, as_of="2021-13-01", consensus="no-such-key")
    broken["assessments"] = [dict(closed["assessments"][0], status="maybe", rationale="")]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"format": exported["format"], "version": exported["version"],
                                "blind_reviews": [broken]}))  # fmt: skip
    before = count(db, BlindReview), count(db, IndependentAssessment)
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0
    for where in (
        "number",
        "as_of",
        "consensus",
        "assessments[0].status",
        "assessments[0].rationale",
    ):
        assert f"$.blind_reviews[0].{where}:" in result.output
    assert (count(db, BlindReview), count(db, IndependentAssessment)) == before


def settled_reviews(db: Session, editor: User, analysts: list[User], reviews: int) -> list[int]:
    """Open, assess (the analysts disagreeing) and settle `reviews` reviews of SLUG."""
    rec = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    ids = []
    for _ in range(reviews):
        review = operations.open_review(db, rec, by=editor, as_of=dt.date(2021, 6, 1))
        db.refresh(review, ["analysts", "assessments"])
        for index, analyst in enumerate(analysts):
            operations.submit_assessment(
                db, review, assessor=analyst, confidence=Confidence.LOW, rationale="Reasons.",
                status=(Status.STALLED, Status.IN_PROGRESS)[index % 2],
            )  # fmt: skip
        operations.end_submissions(db, review, by=editor)
        operations.record_consensus(
            db, review, editor=editor, status=Status.STALLED, assessment="Settled.",
            confidence=Confidence.LOW, evidence=[EVIDENCE],
        )  # fmt: skip
        ids.append(review.id)
    db.commit()
    return ids


def test_a_tenth_review_imports_as_the_tenth_and_one_that_does_not_follow_on_is_refused(
    app: Flask, runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path
) -> None:
    settled_reviews(db, make_user(Role.EDITOR), [make_user(), make_user()], 11)
    first, result = round_trip(app, runner, db, tmp_path)
    exported = json.loads(first.read_text(encoding="utf-8"))
    assert "11 blind reviews" in result.stdout
    assert runner.invoke(args=["export"]).stdout == first.read_text(encoding="utf-8")
    gap = dict(exported["blind_reviews"][0], number=13)
    path = tmp_path / "gap.json"
    path.write_text(json.dumps(dict(exported, blind_reviews=[gap])))
    refused = runner.invoke(args=["import", str(path)])
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-2:] == [
        f"{path}: 1 error; nothing was imported.",
        "  $.blind_reviews[0].number: Expected blind review number 12 next.",
    ]
    assert count(db, BlindReview) == 11


def test_pages_cost_the_same_statements_however_many_reviews_and_assessments(
    client: FlaskClient, db: Session, make_user, auth: Auth, count_statements
) -> None:
    editor = make_user(Role.EDITOR)
    few = settled_reviews(db, editor, [make_user(), make_user()], 1)
    auth.login(editor)
    client.get("/corrections")  # the first request after login also settles the session
    urls = [
        f"{URL}/blind-reviews/{few[0]}",
        URL,
        "/?disagree=1",
        f"/api/v1/recommendations/{SLUG}/blind-reviews",
    ]
    before = {}
    for url in urls:
        counter = count_statements()
        assert client.get(url + ("&" if "?" in url else "?") + "a=1").status_code == 200
        before[url] = counter.count
    many = settled_reviews(db, editor, [make_user() for _ in range(8)], 5)
    urls[0] = f"{URL}/blind-reviews/{many[0]}"
    after = {}
    for url in urls:
        counter = count_statements()
        assert client.get(url + ("&" if "?" in url else "?") + "a=2").status_code == 200
        after[url.replace(str(many[0]), str(few[0]))] = counter.count
    assert after == before


def test_reviews_follow_the_as_of_and_known_on_rules_and_leak_nowhere_else(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    """Known on a past day, only what was opened and submitted by then shows; no notification,
    search result or feed carries an assessment."""
    editor, amal, basim = make_user(Role.EDITOR), make_user(), make_user()
    rec = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    watch(db, amal, "recommendation", rec)
    day = dt.datetime.combine(dt.date.today() - dt.timedelta(days=10), dt.time(9), dt.UTC)
    review = operations.open_review(
        db, rec, by=editor, as_of=dt.date(2021, 6, 1), analysts=[amal, basim], now=day
    )
    db.refresh(review, ["analysts", "assessments"])
    for offset, who, status in ((1, amal, Status.STALLED), (3, basim, Status.IN_PROGRESS)):
        operations.submit_assessment(
            db, review, assessor=who, status=status, confidence=Confidence.LOW,
            rationale=f"UNSEARCHABLE reasons of {who.name}.", now=day + dt.timedelta(days=offset),
        )  # fmt: skip
    db.commit()
    auth.login(amal)
    url = f"{URL}/blind-reviews/{review.id}"
    before = (day - dt.timedelta(days=1)).date().isoformat()
    between = (day + dt.timedelta(days=2)).date().isoformat()
    assert "No blind review by then." in page(client, f"{URL}?known_on={before}")
    assert "Blind review 1" not in page(client, f"{URL}?as_of=2021-05-31")  # judges a later date
    then = page(client, f"{url}?known_on={between}")
    assert 'id="review-progress">1 of 2 submitted<' in then
    assert 'class="badge review-open"' in then  # its submissions had not ended then
    assert "Assessments disagree" not in then  # one status among those submitted then
    assert 'id="review-progress">2 of 2 submitted<' in page(client, url)
    assert "Assessments disagree" in page(client, url)
    board = page(client, f"/?disagree=1&known_on={between}")
    assert 'id="count-disagree">0<' in board
    assert 'id="count-disagree">1<' in page(
        client, f"/?disagree=1&known_on={dt.date.today().isoformat()}"
    )

    assert db.scalar(select(func.count()).select_from(Notification)) == 0
    assert "Nothing matches “UNSEARCHABLE”" in page(client, "/search?q=UNSEARCHABLE")
    assert "UNSEARCHABLE" not in client.get(f"/feeds/recommendations/{SLUG}.atom").get_data(
        as_text=True
    )


def test_a_review_nobody_assessed_cannot_end_and_once_lapsed_lets_a_new_one_open(
    client: FlaskClient, db: Session, make_user, auth: Auth
) -> None:
    editor = make_user(Role.EDITOR)
    auth.login(editor)
    review_id = open_review(client, closes_on=dt.date.today().isoformat())
    response = client.post(f"{URL}/blind-reviews/{review_id}/end", follow_redirects=True)
    assert "Nobody has submitted an assessment yet" in squash(response.get_data(as_text=True))
    assert db.get_one(BlindReview, review_id).ended_at is None
    consensus = client.get(f"{URL}/blind-reviews/{review_id}/consensus", follow_redirects=True)
    assert "End the submissions first" in squash(consensus.get_data(as_text=True))
    # The day after its closing date, with no assessment, it has lapsed.
    db.execute(
        BlindReview.__table__.update().values(closes_on=dt.date.today() - dt.timedelta(days=1))
    )
    db.commit()
    assert "Open a blind review" in page(client, URL)
    assert open_review(client) != review_id
