"""Forecasts: made through the form, superseded, annulled, resolved from the history, scored."""

from __future__ import annotations

import datetime as dt
import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db import get_engine, sessions
from tracker.forecasts import scoring
from tracker.forecasts.scoring import load_revisions, status_on
from tracker.models import AuditEvent, Forecast, StatusUpdate
from tracker.moments import Moment, judgement_of
from tracker.status_updates import correct_status_update, retract_status_update
from tracker.vocabulary import Confidence, Likelihood, Role, Status

from .conftest import empty_database
from .forecasting import (
    DECLARATION,
    TALKS,
    at,
    forecast,
    history_and_forecasts,
    log,
    recommendation,
)
from .helpers import SLUG, squash

URL = f"/recommendations/{SLUG}"
API = "/api/v1"


def api_forecast(client: FlaskClient, slug: str, forecast: Forecast) -> dict[str, Any]:
    items = client.get(f"{API}/recommendations/{slug}/forecasts?limit=100").json["items"]
    return next(item for item in items if item["number"] == forecast.number)


def test_the_seeded_article_scores_five_forecasts_by_two_analysts_as_worked_by_hand(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    nadia = make_user(Role.ANALYST, name="Nadia Analyst")
    omar = make_user(Role.ANALYST, name="Omar Analyst")
    made = history_and_forecasts(db, nadia, omar, make_user(Role.EDITOR, name="Esther Editor"))
    auth.login(make_user(Role.VIEWER))

    # By hand. o = 1 when the status as of the date, as Tracker showed it that day, is the
    # threshold or better; the Brier score is (p - o)².
    # n1 In progress or better by 2020-06-30, "Likely" = 67.5%; In progress then, o = 1:
    #    (0.675 - 1)² = 0.325² = 0.105625
    # n2 Implemented or better by 2020-12-31, 40%; Partially implemented then, o = 0:
    #    (0.4 - 0)² = 0.16
    # n4 Implemented or better by 2021-06-30, 30%; No action as shown that day, o = 0 (the
    #    Implemented as of 2021-03-01 was logged only on 2021-08-01): 0.3² = 0.09
    # o5 the same question as n4, "Very likely" = 87.5%, o = 0: 0.875² = 0.765625
    # o6 Partially implemented or better by 2020-12-31, "Almost certain" = 97%, o = 1:
    #    (0.97 - 1)² = 0.03² = 0.0009
    # n3 (superseded by n4 before its date) and o7 (annulled) are not scored.
    # Nadia: (0.105625 + 0.16 + 0.09) / 3 = 0.355625 / 3 = 0.1185416...
    # Omar: (0.765625 + 0.0009) / 2 = 0.766525 / 2 = 0.3832625
    by_hand = {
        "n1": (1, Fraction("0.105625"), "came-true"),
        "n2": (0, Fraction("0.16"), "did-not"),
        "n3": (0, None, "superseded"),
        "n4": (0, Fraction("0.09"), "did-not"),
        "o5": (0, Fraction("0.765625"), "did-not"),
        "o6": (1, Fraction("0.0009"), "came-true"),
        "o7": (0, None, "annulled"),  # Contradicted as of 2021-01-01: resolved, not scored
    }
    nadia_mean = (by_hand["n1"][1] + by_hand["n2"][1] + by_hand["n4"][1]) / 3
    omar_mean = (by_hand["o5"][1] + by_hand["o6"][1]) / 2
    assert nadia_mean == Fraction("0.355625") / 3 and omar_mean == Fraction("0.3832625")

    slugs = {"n1": SLUG, "n2": SLUG, "o6": SLUG, "n3": TALKS, "n4": TALKS, "o5": TALKS,
             "o7": DECLARATION}  # fmt: skip
    for key, (outcome, brier, state) in by_hand.items():
        item = api_forecast(client, slugs[key], made[key])
        assert (item["outcome"], item["state"], item["scored"]) == (outcome, state, bool(brier))
        assert item["brier"] == (float(brier) if brier is not None else None), key

    forecasters = client.get(f"{API}/forecasters").json["items"]
    assert [f["analyst"]["name"] for f in forecasters] == ["Nadia Analyst", "Omar Analyst"]
    assert [(f["scored"], f["made"], f["mean_brier"]) for f in forecasters] == [
        (3, 4, float(nadia_mean)),
        (2, 3, float(omar_mean)),
    ]

    page = squash(client.get("/forecasts").get_data(as_text=True))
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert (
        "Nadia Analyst" in rows[0]
        and '<td class="brier" data-label="Mean Brier score">0.119</td>' in rows[0]
    )
    assert (
        "Omar Analyst" in rows[1]
        and '<td class="brier" data-label="Mean Brier score">0.383</td>' in rows[1]
    )
    # The calibration of the five scored: one a bin, drawn as points.
    assert page.count('<circle class="point"') == 5
    assert "60-70%: 1 forecast, stated 68% on average, 100% came true" in page
    assert "80-90%: 1 forecast, stated 88% on average, 0% came true" in page

    mine = squash(client.get(f"/forecasts/analysts/{nadia.id}").get_data(as_text=True))
    assert 'id="mean-brier">0.119</strong> over 3 scored forecasts' in mine
    assert mine.count('<circle class="point"') == 3

    show = squash(client.get(f"/recommendations/{TALKS}").get_data(as_text=True))
    section = show.split('id="forecasts"')[1].split("</section>")[0]
    # Each analyst's latest, with the median of both on the same question: (30 + 87.5) / 2.
    assert section.count("Median of everyone's latest on this question: <strong>58.8%") == 2
    assert 'Brier score <strong class="brier">0.090</strong>' in section
    assert 'Brier score <strong class="brier">0.766</strong>' in section
    assert "before its date: not scored" in section  # n3, among the earlier ones
    declaration = squash(client.get(f"/recommendations/{DECLARATION}").get_data(as_text=True))
    assert "“The declaration was overtaken by the strikes.”; not scored" in declaration


def checked(page: str, name: str) -> list[str]:
    return re.findall(rf'<input checked[^>]*name="{name}"[^>]*value="(\w+)"', page)


def forecast_form(**fields: str) -> dict[str, str]:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    return (
        {
            "threshold": "implemented",
            "resolves_on": (dt.date.today() + dt.timedelta(days=400)).isoformat(),
            "likelihood": "likely",
            "percent": "",
            "reasoning": "The cabinet *approved* the plan.",
        }
        | {"resolves_on": fields.pop("resolves_on", tomorrow)}
        | fields
    )


def test_an_analyst_forecasts_with_a_word_then_a_percentage_which_supersedes_it(
    client: FlaskClient, db: Session, analyst
) -> None:
    response = client.post(f"{URL}/forecast", data=forecast_form(), follow_redirects=True)
    page = squash(response.get_data(as_text=True))
    assert "Forecast recorded." in page
    section = page.split('id="forecasts"')[1].split("</section>")[0]
    assert 'or better: <strong class="probability">Likely (67.5%)</strong>' in section
    assert "<em>approved</em>" in section  # the reasoning, as sanitised Markdown
    assert '<span class="badge forecast-open">Open</span>' in section

    again = forecast_form(likelihood="exact", percent=" 62.5 % ", threshold="partially_implemented")
    assert client.post(f"{URL}/forecast", data=again).status_code == 302
    section = squash(client.get(URL).get_data(as_text=True)).split('id="forecasts"')[1]
    latest, earlier = section.split("</section>")[0].split("Earlier forecasts (1)")
    assert '<strong class="probability">62.5%</strong>' in latest and "Likely" not in latest
    assert "Likely (67.5%)" in earlier and "forecast-superseded" in earlier

    first, second = db.scalars(select(Forecast).order_by(Forecast.number)).all()
    assert (first.probability, first.likelihood, first.threshold) == (
        675, Likelihood.LIKELY, Status.IMPLEMENTED,
    )  # fmt: skip
    assert (second.probability, second.likelihood, second.number) == (625, None, 2)
    actions = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "forecast.create").order_by(AuditEvent.id)
    ).all()
    assert [event.after["probability"] for event in actions] == [0.675, 0.625]
    assert actions[0].user_id == analyst.id and actions[0].target_type == "forecast"


def test_a_refused_forecast_keeps_what_was_typed_and_says_why_beside_each_field(
    client: FlaskClient, db: Session, analyst
) -> None:
    empty = squash(client.post(f"{URL}/forecast", data={}).get_data(as_text=True))
    assert "<title>Error: Forecast" in empty
    assert '<a href="#threshold-0">By then it will be this or better: Choose the status' in empty
    assert "Enter the date it resolves on (YYYY-MM-DD)." in empty
    assert "Choose how likely it is, or give an exact percentage." in empty

    typed = forecast_form(likelihood="exact", percent="sixty", reasoning="Kept words.")
    page = squash(client.post(f"{URL}/forecast", data=typed).get_data(as_text=True))
    assert "Enter a percentage from 0 to 100, such as 62 or 62.5." in page
    assert 'value="sixty"' in page and "Kept words.</textarea>" in page
    assert f'value="{typed["resolves_on"]}"' in page
    assert checked(page, "threshold") == ["implemented"] and checked(page, "likelihood") == [
        "exact"
    ]

    for fields, message in [
        ({"likelihood": "exact", "percent": "62.55"}, "one decimal place at most"),
        ({"likelihood": "exact", "percent": "101"}, "from 0 to 100"),
        ({"likelihood": "exact", "percent": ""}, "Enter the percentage, or choose a word."),
        ({"percent": "40"}, "Leave the percentage empty when you choose a word"),
        ({"resolves_on": dt.date.today().isoformat()}, "it must resolve in the future"),
        ({"resolves_on": "30/06/2030"}, "Not a valid date value."),
        ({"threshold": "stalled"}, "Not a valid choice."),
    ]:
        page = client.post(f"{URL}/forecast", data=forecast_form(**fields)).get_data(as_text=True)
        assert message in page, fields
    assert db.scalars(select(Forecast)).all() == []


def test_a_question_already_asked_can_be_forecast_again_from_its_link(
    client: FlaskClient, db: Session, analyst
) -> None:
    client.post(f"{URL}/forecast", data=forecast_form(threshold="in_progress"))
    page = squash(client.get(URL).get_data(as_text=True))
    link = page.split("Forecast this question too")[0].rsplit('href="', 1)[1].split('"')[0]
    form = squash(client.get(link.replace("&amp;", "&")).get_data(as_text=True))
    assert checked(form, "threshold") == ["in_progress"]
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert f'value="{tomorrow}"' in form


def test_an_editor_annuls_a_forecast_with_a_reason_and_only_an_editor(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    author = make_user(Role.ANALYST, name="Nadia Analyst")
    auth.login(author)
    client.post(f"{URL}/forecast", data=forecast_form())
    forecast = db.scalars(select(Forecast)).one()
    annul = f"{URL}/forecasts/{forecast.id}/annul"
    assert client.post(annul, data={"reason": "Its premise is gone."}).status_code == 403
    assert ">Annul</a>" not in client.get(URL).get_data(as_text=True)

    editor = make_user(Role.EDITOR, name="Esther Editor")
    auth.logout()
    auth.login(editor)
    page = squash(client.post(annul, data={"reason": " "}).get_data(as_text=True))
    assert "Say why the forecast is annulled." in page
    assert client.get(f"/recommendations/{TALKS}/forecasts/{forecast.id}/annul").status_code == 404
    response = client.post(annul, data={"reason": "The talks were called off."})
    assert response.status_code == 302
    section = squash(client.get(URL).get_data(as_text=True)).split('id="forecasts"')[1]
    assert "“The talks were called off.”; not scored" in section
    db.expire_all()
    assert db.get(Forecast, forecast.id).annulled_by_id == editor.id
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "forecast.annul")).one()
    assert event.user_id == editor.id and event.after["reason"] == "The talks were called off."
    assert "annulled on" in squash(client.get(annul).get_data(as_text=True))
    assert client.post(annul, data={"reason": "Twice."}).status_code == 200
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "forecast.annul")).all() == [
        event
    ]


def test_forecasts_follow_the_as_of_and_known_on_rules(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    nadia = make_user(Role.ANALYST, name="Nadia Analyst")
    omar = make_user(Role.ANALYST, name="Omar Analyst")
    history_and_forecasts(db, nadia, omar, make_user(Role.EDITOR))
    auth.login(make_user(Role.VIEWER))

    # Known on 2020-06-15: n2 (made 2020-07-01) is not shown; none has resolved yet.
    early = squash(client.get(f"{URL}?known_on=2020-06-15").get_data(as_text=True))
    section = early.split('id="forecasts"')[1].split("</section>")[0]
    assert "Likely (67.5%)" in section and "40%" not in section
    assert "Make a forecast" not in section and "Brier" not in section
    scores = squash(client.get("/forecasts?known_on=2020-06-15").get_data(as_text=True))
    assert '<circle class="point"' not in scores and ">—</td>" in scores
    # The annulment of o7 (2020-04-03) was known on 2020-06-15, not on 2020-04-01.
    before = squash(client.get(f"/recommendations/{DECLARATION}?known_on=2020-04-01").get_data(
        as_text=True
    ))  # fmt: skip
    assert "Annulled" not in before.split('id="forecasts"')[1].split("</section>")[0]

    # As of 2021-01-15, by all known now: n1, n2 and o6 have resolved, the talks not yet.
    # Nadia: (0.105625 + 0.16) / 2 = 0.1328125; Omar: 0.0009.
    mid = squash(client.get("/forecasts?as_of=2021-01-15").get_data(as_text=True))
    assert 'data-label="Mean Brier score">0.133</td> <td data-label="Scored">2</td>' in mid
    assert 'data-label="Mean Brier score">0.001</td> <td data-label="Scored">1</td>' in mid
    assert mid.count('<circle class="point"') == 3


def test_a_forecast_resolves_as_the_moments_rule_reads_the_history_that_day(
    db: Session, make_user
) -> None:
    """`status_on`, in Python, agrees with `judgement_of` at Moment(D, known_on=D), in SQL."""
    analyst = make_user(Role.ANALYST)
    editor = make_user(Role.EDITOR)
    log(db, analyst, SLUG, Status.IN_PROGRESS, "2020-03-01", "2020-03-02")
    log(db, analyst, SLUG, Status.NO_ACTION, "2020-03-01", "2020-03-02")  # same day, later
    log(db, analyst, SLUG, Status.PARTIAL, "2020-05-01", "2020-06-10")  # backfilled
    log(db, analyst, SLUG, Status.IMPLEMENTED, "2020-08-01", "2020-08-02")
    updates = db.scalars(select(StatusUpdate).order_by(StatusUpdate.id)).all()
    correct_status_update(
        db, updates[3], editor=editor, status=Status.STALLED, as_of=dt.date(2020, 7, 15),
        assessment="Stalled, in fact.", confidence=Confidence.LOW, reason="Misread.",
        now=at("2020-09-01"),
    )  # fmt: skip
    retract_status_update(db, updates[1], editor=editor, reason="Wrong one.", now=at("2020-04-01"))
    db.commit()
    rec = recommendation(db, SLUG)
    revisions = load_revisions(db, [rec.id], at("2021-01-01"))
    day = dt.date(2020, 2, 20)
    while day < dt.date(2020, 10, 1):
        judged = judgement_of(db, rec.id, Moment(day, known_on=day))
        assert status_on(revisions, day) == (judged.status if judged else Status.NOT_ASSESSED), day
        day += dt.timedelta(days=3)


def test_pages_cost_the_same_statements_with_2_or_20_forecasts(
    client: FlaskClient, db: Session, make_user, auth, count_statements
) -> None:
    analysts = [make_user(Role.ANALYST) for _ in range(10)]
    history_and_forecasts(db, analysts[0], analysts[1], make_user(Role.EDITOR))
    auth.login(make_user(Role.VIEWER))
    pages = [
        URL,
        f"/recommendations/{TALKS}",
        "/forecasts",
        f"/forecasts/analysts/{analysts[0].id}",
    ]
    client.get("/corrections")  # the first request after login also settles the session
    counts = []
    for url in pages:
        counter = count_statements()
        assert client.get(f"{url}?as_of=2021-12-01").status_code == 200
        counts.append(counter.count)
    for number, analyst in enumerate(analysts):
        for slug in (SLUG, TALKS):
            made = f"2020-0{2 + number % 7}-05"
            forecast(db, analyst, slug, Status.IN_PROGRESS, "2020-12-01", made, permille=number)
    db.commit()
    for url, before in zip(pages, counts, strict=True):
        counter = count_statements()
        assert client.get(f"{url}?as_of=2021-12-01").status_code == 200
        assert counter.count == before, url


def test_forecasts_survive_export_import_export_and_import_twice_adds_nothing(
    app: Flask, runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path
) -> None:
    nadia = make_user(Role.ANALYST, email="nadia@example.org", name="Nadia Analyst")
    omar = make_user(Role.ANALYST, email="omar@example.org", name="Omar Analyst")
    history_and_forecasts(db, nadia, omar, make_user(Role.EDITOR, email="esther@example.org"))
    first = tmp_path / "first.json"
    assert runner.invoke(args=["export", "--output", str(first)]).exit_code == 0
    exported = json.loads(first.read_text(encoding="utf-8"))["forecasts"]
    assert [(f["recommendation"], f["number"], f["probability"]) for f in exported] == [
        (DECLARATION, 1, 0.5), (SLUG, 1, 0.675), (SLUG, 2, 0.4), (SLUG, 3, 0.97),
        (TALKS, 1, 0.8), (TALKS, 2, 0.3), (TALKS, 3, 0.875),
    ]  # fmt: skip
    assert exported[0]["annulled"] == {
        "at": "2020-04-03T12:00:00.000000+00:00", "by": "esther@example.org",
        "reason": "The declaration was overtaken by the strikes.",
    }  # fmt: skip
    assert exported[1]["likelihood"] == "likely" and exported[2]["likelihood"] is None
    assert "outcome" not in exported[1] and "brier" not in exported[1]
    scores = client_scores(app)
    db.close()
    empty_database(get_engine(app))

    result = runner.invoke(args=["import", str(first)])
    assert result.exit_code == 0, result.output
    assert "7 forecasts" in result.stdout
    assert runner.invoke(args=["export"]).stdout == first.read_text(encoding="utf-8")
    again = runner.invoke(args=["import", str(first)])
    assert "nothing new" in again.stdout and "7 forecasts already present" in again.stdout
    assert client_scores(app) == scores  # scored again from the imported history


def client_scores(app: Flask) -> list[tuple[str, int, float | None]]:
    with sessions(app)() as session:
        found = scoring.scores(scoring.standings_at(session, Moment(dt.date.today())))
        return [(s.analyst.email, len(s.scored), s.mean_brier) for s in found]


def test_an_import_refuses_bad_forecast_entries_whole_naming_each(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    entry = {
        "recommendation": SLUG, "number": 1, "author": "n@example.org",
        "made_at": "2020-01-20T12:00:00+00:00", "threshold": "implemented",
        "resolves_on": "2020-06-30", "probability": 0.675, "likelihood": "likely",
        "reasoning": None, "annulled": None,
    }  # fmt: skip
    document = {
        "format": "tracker-export",
        "version": 1,
        "forecasts": [
            entry,
            entry | {"number": 2, "probability": 0.6},
            entry | {"number": 3, "probability": 1.5, "threshold": "stalled"},
            entry | {"number": 4, "likelihood": None, "resolves_on": "2020-01-01"},
            entry | {"number": 5, "annulled": {"at": "2020-01-01T00:00:00+00:00",
                                               "by": "e@example.org", "reason": ""}},
        ],
    }  # fmt: skip
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-7:] == [
        f"{path}: 6 errors; nothing was imported.",
        "  $.forecasts[1].probability: “likely” stands for 0.675.",
        "  $.forecasts[2].threshold: Not a valid choice.",
        "  $.forecasts[2].probability: Expected a number from 0 to 1.",
        "  $.forecasts[3].resolves_on: Choose a date after the day the forecast is made: it "
        "must resolve in the future.",
        "  $.forecasts[4].annulled.reason: Say why the forecast is annulled.",
        "  $.forecasts[4].annulled.at: A forecast is annulled after it is made.",
    ]
    assert db.scalars(select(Forecast)).all() == []
