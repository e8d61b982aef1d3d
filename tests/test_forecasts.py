"""Forecasts: made through the form, superseded, annulled, resolved from the history, scored."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tracker.models import Forecast
from tracker.vocabulary import Role

from .forecasting import DECLARATION, TALKS, history_and_forecasts
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
    assert "Nadia Analyst" in rows[0] and '<td class="brier">0.119</td>' in rows[0]
    assert "Omar Analyst" in rows[1] and '<td class="brier">0.383</td>' in rows[1]
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
