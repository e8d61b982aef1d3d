"""Pages as of a past date, and as Tracker showed them on a past date; charts and comparisons."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Recommendation, StatusUpdate
from tracker.moments import Moment, judgement_of
from tracker.regressions import best_held
from tracker.status_updates import (
    EvidenceInput,
    correct_status_update,
    record_status_update,
    retract_status_update,
)
from tracker.vocabulary import Confidence, Credibility, Reliability, Role, Stance, Status

from .helpers import SLUG, squash

EVIDENCE = [
    EvidenceInput(
        "https://example.org/e",
        "E",
        "P",
        "Excerpt",
        Stance.SUPPORTS,
        Reliability.B,
        Credibility.PROBABLE,
    )
]


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


@pytest.fixture
def history(db: Session, make_user, auth) -> None:
    """In progress as of March 2020 (logged Jan 2024, corrected to Stalled in March 2024);
    Implemented as of March 2021 (logged Feb 2024, retracted in April 2024)."""
    editor = make_user(Role.EDITOR)
    auth.login(editor)
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    log = lambda status, as_of, now: record_status_update(  # noqa: E731
        db, recommendation, author=editor, status=status, as_of=dt.date.fromisoformat(as_of),
        assessment=f"{status.label}.", confidence=Confidence.MODERATE, evidence=EVIDENCE,
        now=at(now),
    )  # fmt: skip
    first = log(Status.IN_PROGRESS, "2020-03-01", "2024-01-01")
    second = log(Status.IMPLEMENTED, "2021-03-01", "2024-02-01")
    correct_status_update(
        db, first, editor=editor, status=Status.STALLED, as_of=dt.date(2020, 3, 1),
        assessment="Stalled.", confidence=Confidence.HIGH, reason="Misread", now=at("2024-03-01"),
    )  # fmt: skip
    retract_status_update(db, second, editor=editor, reason="Hoax", now=at("2024-04-01"))
    db.commit()


def status_on_dashboard(client: FlaskClient, **query: str) -> str:
    page = client.get("/", query_string=query).get_data(as_text=True)
    row = page[page.index(f'href="/recommendations/{SLUG}') :]
    return re.search(r'class="badge status-(\w+)"', row).group(1)


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, "stalled"),
        ({"as_of": "2020-02-01"}, "not_assessed"),
        ({"as_of": "2020-06-01"}, "stalled"),
        ({"as_of": "2021-06-01"}, "stalled"),  # the Implemented update is retracted
        ({"known_on": "2023-12-31"}, "not_assessed"),  # nothing logged yet
        ({"known_on": "2024-01-15"}, "in_progress"),
        ({"known_on": "2024-02-15"}, "implemented"),  # before the retraction
        ({"as_of": "2020-06-01", "known_on": "2024-02-15"}, "in_progress"),  # before the correction
        ({"as_of": "2020-06-01", "known_on": "2024-03-15"}, "stalled"),
        ({"known_on": "2024-04-01"}, "stalled"),  # the retraction counts from its own day
    ],
)
def test_dashboard_shows_exactly_the_status_of_the_moment(
    client: FlaskClient, history, query, expected
) -> None:
    assert status_on_dashboard(client, **query) == expected


def test_recommendation_page_as_shown_on_a_past_day(client: FlaskClient, history) -> None:
    page = squash(
        client.get(f"/recommendations/{SLUG}", query_string={"known_on": "2024-02-15"}).get_data(
            as_text=True
        )
    )
    assert "Showing where things stood on" in page and "as Tracker showed it on" in page
    assert 'Status then: <span class="badge status-implemented">' in page
    assert "mark-retracted" not in page and "mark-corrected" not in page
    assert "Correct</a>" not in page  # no writes from the past
    now = squash(client.get(f"/recommendations/{SLUG}").get_data(as_text=True))
    assert 'Current status: <span class="badge status-stalled">' in now
    assert "mark-retracted" in now and "mark-corrected" in now


def test_bad_dates_are_named_and_today_is_shown(client: FlaskClient, history) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    page = client.get("/", query_string={"as_of": "2020-13-01", "known_on": tomorrow}).get_data(
        as_text=True
    )
    assert "As of: “2020-13-01” is not a date (YYYY-MM-DD)." in page
    assert f"Known on: {tomorrow} is in the future." in page
    assert "Showing where things stood" not in page


def test_compare_two_dates(client: FlaskClient, history) -> None:
    page = squash(
        client.get("/compare", query_string={"from": "2020-01-01", "to": "2020-06-01"}).get_data(
            as_text=True
        )
    )
    assert "1 recommendation changed status" in page
    assert (
        '<span class="badge status-not_assessed">Not yet assessed</span> </td>'
        ' <td data-label="On 2020-06-01"> <span class="badge status-stalled">' in page
    )
    page = client.get("/compare", query_string={"from": "2020-06-01", "to": "2021-06-01"}).get_data(
        as_text=True
    )
    assert "Nothing moved." in page


def test_charts_are_svg_with_text_alternatives(client: FlaskClient, history) -> None:
    page = client.get("/").get_data(as_text=True)
    overall = re.search(r'<ol class="bar-rows" id="chart-overall">.*?</ol>', page, re.S).group(0)
    total = len(re.findall(r'<a href="/recommendations/[a-z0-9-]+">', page))
    assert f'aria-label="All shown: Not yet assessed: {total - 1}, Stalled: 1"' in overall
    assert 'aria-labelledby="chart-theme-title"' in page
    assert "<title>Security cooperation: Stalled, 1</title>" in page

    rec = client.get(f"/recommendations/{SLUG}?window=all").get_data(as_text=True)
    timeline = re.search(r'<desc id="status-timeline-desc">(.*?)</desc>', rec).group(1)
    assert timeline == (
        "Not yet assessed from 2020-01-01 to 2020-03-01; "
        f"Stalled from 2020-03-01 to {dt.date.today().isoformat()}"
    )
    assert rec.count('class="marker"') == 1  # the retracted update has no marker


def test_swimlane_has_a_row_per_recommendation(client: FlaskClient, db: Session, history) -> None:
    page = client.get("/swimlane").get_data(as_text=True)
    count = len(db.scalars(select(Recommendation.id)).all())
    assert page.count('<a href="/recommendations/') >= count  # the text table links each one
    assert page.count('class="lane-name"') == count  # and the chart draws a row each
    assert "Stalled from 2020-03-01" in client.get("/swimlane?window=all").get_data(as_text=True)
    past = client.get(
        "/swimlane", query_string={"known_on": "2024-02-15", "window": "all"}
    ).get_data(as_text=True)
    assert "Implemented from 2021-03-01 to 2024-02-15" in past


def test_recent_panel_lists_judgements_of_the_last_30_days(client: FlaskClient, history) -> None:
    page = squash(client.get("/", query_string={"as_of": "2020-03-20"}).get_data(as_text=True))
    assert 'What changed in the 30 days to <time datetime="2020-03-20">2020-03-20</time>' in page
    assert 'status-stalled">Stalled</span> as of <time datetime="2020-03-01">' in page
    assert "No status update holds" in client.get("/").get_data(as_text=True)


def test_each_write_keeps_where_the_recommendation_stands_now(db: Session, make_user, auth) -> None:
    """The recommendation's row holds what the rule finds now, after every kind of write."""
    editor = make_user(Role.EDITOR)
    auth.login(editor)
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    today = dt.date.today()
    by_the_rule = Moment(today, known_on=today)  # known on a day: read from the history

    def stands() -> tuple:
        db.flush()
        db.refresh(recommendation)
        kept = (
            recommendation.current_update_id,
            recommendation.current_status,
            recommendation.current_as_of,
            recommendation.current_logged_at,
            recommendation.held_step,
        )
        judged = judgement_of(db, recommendation.id, by_the_rule)
        steps = best_held(by_the_rule)
        held = db.scalar(select(steps.c.step).where(steps.c.recommendation_id == recommendation.id))
        found = (
            (judged.update_id, judged.status, judged.as_of, judged.logged_at, held)
            if judged
            else (None, None, None, None, held)
        )
        assert kept == found
        return kept

    log = lambda status, as_of: record_status_update(  # noqa: E731
        db, recommendation, author=editor, status=status, as_of=as_of,
        assessment=f"{status.label}.", confidence=Confidence.MODERATE, evidence=EVIDENCE,
    )  # fmt: skip
    assert stands() == (None, None, None, None, None)
    implemented = log(Status.IMPLEMENTED, today - dt.timedelta(days=30))
    assert stands()[1:2] + stands()[4:] == (Status.IMPLEMENTED, 4)
    log(Status.STALLED, today - dt.timedelta(days=60))  # dated earlier: not in force
    assert stands()[1] is Status.IMPLEMENTED
    correct_status_update(
        db, implemented, editor=editor, status=Status.PARTIAL, as_of=today - dt.timedelta(days=90),
        assessment="Only in part.", confidence=Confidence.HIGH, reason="Misread",
    )  # fmt: skip
    assert stands()[1:2] + stands()[4:] == (Status.STALLED, 3)
    stalled = db.get(StatusUpdate, stands()[0])
    retract_status_update(db, stalled, editor=editor, reason="Wrong recommendation")
    assert stands()[1] is Status.PARTIAL
    retract_status_update(db, implemented, editor=editor, reason="Hoax")
    assert stands() == (None, None, None, None, None)
