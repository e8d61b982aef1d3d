"""Signposts: named in advance, observed with graded evidence, retracted, filtered on."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import AuditEvent, Recommendation, Signpost, SignpostObservation, User
from tracker.signposts.operations import Observed, add_signpost, observe_signpost
from tracker.vocabulary import Credibility, Diagnosticity, Direction, Reliability, Role

from .helpers import SLUG, squash

URL = f"/recommendations/{SLUG}"
OTHER = "un-supported-talks-on-coalition-presence"


def recommendation(db: Session, slug: str = SLUG) -> Recommendation:
    return db.scalars(select(Recommendation).where(Recommendation.slug == slug)).one()


def observation_form(**fields: str) -> dict[str, str]:
    return {
        "observed_on": "2021-03-02",
        "note": "UNAMI hosted the first round in **Baghdad**.",
        "url": "https://news.example.org/unami-talks",
        "title": "UNAMI convenes talks",
        "publisher": "Example News",
        "reliability": "B",
        "credibility": "2",
        "save": "Record observation",
    } | fields


def a_signpost(db: Session, editor: User, slug: str = SLUG) -> Signpost:
    signpost = add_signpost(
        db, recommendation(db, slug), event="UNAMI convenes talks on the Coalition's presence.",
        direction=Direction.TOWARDS, diagnosticity=Diagnosticity.STRONG, by=editor,
        now=dt.datetime(2020, 2, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    db.commit()
    return signpost


def observed(on: dt.date, **fields: object) -> Observed:
    values: dict[str, object] = {
        "observed_on": on, "note": "Seen.", "url": "https://news.example.org/seen",
        "title": "Seen", "publisher": "Example News", "reliability": Reliability.B,
        "credibility": Credibility.PROBABLE,
    }  # fmt: skip
    return Observed(**(values | fields))  # type: ignore[arg-type]


def section(page: str) -> str:
    page = squash(page)
    return page[page.index('id="signposts"') : page.index('aria-labelledby="timeline-heading"')]


def test_an_editor_names_a_signpost_and_an_analyst_records_it_observed(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR, name="Esther Editor"))
    response = client.post(
        f"{URL}/signposts",
        data={"event": "UNAMI convenes talks.", "direction": "towards", "diagnosticity": "strong"},
        follow_redirects=True,
    )
    page = squash(response.get_data(as_text=True))
    assert "Signpost #1 added." in page
    assert "<strong>#1</strong> UNAMI convenes talks." in page
    shown = section(client.get(URL).get_data(as_text=True))
    assert "↑ Towards implementation" in shown
    assert "Strong diagnosticity" in shown
    assert "Not seen" in shown

    auth.login(make_user(Role.ANALYST, name="Nadia Analyst"))
    form = client.get(f"{URL}/signposts/1/observe").get_data(as_text=True)
    assert f'value="{dt.date.today().isoformat()}"' in form
    response = client.post(
        f"{URL}/signposts/1/observe", data=observation_form(), follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Signpost #1 recorded as observed." in page
    shown = section(page)
    assert "Seen 1×, last on" in shown
    assert '<time datetime="2021-03-02">2021-03-02</time> by Nadia Analyst' in shown
    assert '<span class="grade" title="Usually reliable; Probably true">B2</span>' in shown
    assert "UNAMI hosted the first round in <strong>Baghdad</strong>." in shown
    # Before it was observed, it was not seen.
    assert "Not seen by then" in section(
        client.get(f"{URL}?as_of=2021-03-01").get_data(as_text=True)
    )
    db.rollback()
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action.like("signpost.%")).order_by(AuditEvent.id)
    ).all()
    assert [event.action for event in events] == ["signpost.create", "signpost.observe"]
    assert events[1].after["grade"] == "B2"


def test_empty_signpost_forms_say_what_is_missing_and_save_nothing(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    editor = make_user(Role.EDITOR)
    auth.login(editor)
    page = squash(
        client.post(
            f"{URL}/signposts", data={"event": "", "direction": "", "diagnosticity": ""}
        ).get_data(as_text=True)
    )
    assert "There is a problem" in page
    for message in (
        "Name the event to watch for.",
        "Say which way it points.",
        "Say how strongly it tells the cases apart.",
    ):
        assert message in page
    a_signpost(db, editor)
    empty = {name: "" for name in observation_form()}
    page = squash(client.post(f"{URL}/signposts/1/observe", data=empty).get_data(as_text=True))
    assert "Enter the date it was observed." in page
    assert "Say what was observed." in page
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    page = client.post(f"{URL}/signposts/1/observe", data=observation_form(observed_on=future))
    assert "The date cannot be in the future." in page.get_data(as_text=True)
    assert client.get(f"{URL}/signposts/2/observe").status_code == 404
    db.rollback()
    assert len(db.scalars(select(Signpost)).all()) == 1
    assert db.scalars(select(SignpostObservation)).all() == []


def test_analysts_observe_but_cannot_name_signposts_or_retract(
    client: FlaskClient, db: Session, make_user, analyst
) -> None:
    signpost = a_signpost(db, make_user(Role.EDITOR))
    observe_signpost(db, signpost, observed(dt.date(2021, 3, 2)), by=analyst)
    db.commit()
    data = {"event": "X", "direction": "away", "diagnosticity": "weak"}
    assert client.post(f"{URL}/signposts", data=data).status_code == 403
    retract = f"{URL}/signposts/1/observations/1/retract"
    assert client.post(retract, data={"reason": "Wrong."}).status_code == 403
    assert "Add a signpost" not in client.get(URL).get_data(as_text=True)


def test_a_retracted_observation_stays_struck_through_and_stops_counting(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    editor = make_user(Role.EDITOR, name="Esther Editor")
    signpost = a_signpost(db, editor)
    observe_signpost(
        db, signpost, observed(dt.date.today() - dt.timedelta(days=3)), by=editor,
        now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
    )  # fmt: skip
    db.commit()
    auth.login(editor)
    assert dashboard_slugs(client, "signposts=recent") == {SLUG}
    refused = client.post(f"{URL}/signposts/1/observations/1/retract", data={"reason": " "})
    assert "Give the reason for the retraction." in refused.get_data(as_text=True)
    response = client.post(
        f"{URL}/signposts/1/observations/1/retract",
        data={"reason": "It was a rehearsal, not the talks."},
        follow_redirects=True,
    )
    shown = section(response.get_data(as_text=True))
    assert "Observation retracted." in squash(response.get_data(as_text=True))
    assert '<li class="retracted">' in shown
    assert "</time>, no longer counted: It was a rehearsal, not the talks.</p>" in shown
    assert "Not seen" in shown
    assert dashboard_slugs(client, "signposts=recent") == set()
    # Known on the day before the retraction, it still counted.
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    before = section(client.get(f"{URL}?known_on={yesterday}").get_data(as_text=True))
    assert "Seen 1×" in before and "Retracted" not in before
    again = client.post(f"{URL}/signposts/1/observations/1/retract", data={"reason": "Again."})
    assert "This observation is already retracted." in again.get_data(as_text=True)


def dashboard_slugs(client: FlaskClient, query: str) -> set[str]:
    page = client.get(f"/?{query}").get_data(as_text=True)
    return {
        slug
        for slug in recommendation_slugs()
        if re.search(f'href="/recommendations/{slug}[?"]', page)
    }


def recommendation_slugs() -> list[str]:
    return [SLUG, OTHER, "interim-administration-and-early-elections"]


def test_the_dashboard_finds_signposts_observed_in_the_last_30_days_of_its_moment(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    editor = make_user(Role.EDITOR)
    analyst = make_user(Role.ANALYST)
    signpost = a_signpost(db, editor)
    observe_signpost(
        db, signpost, observed(dt.date(2021, 3, 2)), by=analyst,
        now=dt.datetime(2021, 3, 5, tzinfo=dt.UTC),
    )  # fmt: skip
    other = a_signpost(db, editor, OTHER)
    observe_signpost(
        db, other, observed(dt.date(2021, 1, 10)), by=analyst,
        now=dt.datetime(2021, 1, 11, tzinfo=dt.UTC),
    )  # fmt: skip
    db.commit()
    auth.login(analyst)
    page = client.get("/").get_data(as_text=True)
    assert 'name="signposts" value="recent"' in page
    assert "Signposts observed in the last 30 days" in page
    assert dashboard_slugs(client, "") == set(recommendation_slugs())
    assert dashboard_slugs(client, "signposts=recent") == set()  # nothing lately
    assert dashboard_slugs(client, "signposts=recent&as_of=2021-03-10") == {SLUG}
    assert dashboard_slugs(client, "signposts=recent&as_of=2021-03-31") == {SLUG}  # 30th day
    assert dashboard_slugs(client, "signposts=recent&as_of=2021-04-01") == set()
    assert dashboard_slugs(client, "signposts=recent&as_of=2021-01-20") == {OTHER}
    assert dashboard_slugs(client, "signposts=recent&as_of=2021-03-01") == set()
    # Known on the day before it was recorded, it was not yet seen.
    known = "signposts=recent&as_of=2021-03-04&known_on=2021-03-04"
    assert dashboard_slugs(client, known) == set()
    assert 'value="recent" checked' in client.get("/?signposts=recent").get_data(as_text=True)


def test_the_page_runs_as_many_statements_however_many_signposts_and_sightings(
    client: FlaskClient, db: Session, make_user, analyst, count_statements
) -> None:
    editor = make_user(Role.EDITOR)
    observe_signpost(db, a_signpost(db, editor), observed(dt.date(2021, 1, 1)), by=analyst)
    db.commit()
    client.get("/corrections")
    counter = count_statements()
    assert client.get(URL).status_code == 200
    with_one = counter.count
    for n in range(5):
        signpost = a_signpost(db, editor)
        for day in range(4):
            observe_signpost(db, signpost, observed(dt.date(2021, 2, 1 + day + n)), by=analyst)
    db.commit()
    client.get("/corrections")
    counter = count_statements()
    page = client.get(URL).get_data(as_text=True)
    assert page.count('class="signpost direction-towards"') == 6
    assert counter.count == with_one
