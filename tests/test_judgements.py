"""What issue "judgements that can be checked" must show on the seeded article, so far:
two target dates, one changed with its reason and both shown; a regression on the dashboard,
explained in the timeline."""

from __future__ import annotations

from flask.testing import FlaskClient

from tracker.vocabulary import Role

from .helpers import SLUG, squash, update_form

SOURCE = "mei-2020-real-cost-us-iran-escalation-iraq"
TALKS = "un-supported-talks-on-coalition-presence"


def test_the_seeded_article_shows_its_targets_and_a_regression(
    client: FlaskClient, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR, name="Esther Editor"))
    set_target = {"target": "2020-12-31", "origin": "source", "detail": "“within the year”"}
    assert client.post(f"/recommendations/{SLUG}/target", data=set_target).status_code == 302
    talks = {"target": "2020-06-30", "origin": "commitment", "detail": "UNAMI, 20 January 2020"}
    assert client.post(f"/recommendations/{TALKS}/target", data=talks).status_code == 302
    deferred = talks | {"target": "2021-06-30", "reason": "UNAMI postponed the talks."}
    assert client.post(f"/recommendations/{TALKS}/target", data=deferred).status_code == 302

    url = f"/recommendations/{SLUG}/updates/new"
    assert (
        client.post(url, data=update_form(status="implemented", as_of="2020-11-01")).status_code
        == 302
    )
    backwards = update_form(status="stalled", as_of="2021-02-01")
    assert client.post(url, data=backwards).status_code == 200  # asks why
    explained = backwards | {"change_reason": "Cooperation was suspended after the strikes."}
    assert client.post(url, data=explained).status_code == 302

    card = squash(client.get(f"/sources/{SOURCE}/report").get_data(as_text=True))
    assert '<time datetime="2020-12-31">2020-12-31</time></strong>, from the source' in card
    assert '<time datetime="2021-06-30">2021-06-30</time></strong>, from an actor' in card
    assert 'Original target: <time datetime="2020-06-30">2020-06-30</time>' in card
    assert "“UNAMI postponed the talks.” (Esther Editor," in card

    board = squash(client.get("/").get_data(as_text=True))
    assert 'id="count-regressed">1<' in board
    assert 'id="count-overdue">2<' in board  # SLUG stalled past 2020-12-31; TALKS unassessed
    regressions = squash(client.get("/regressions").get_data(as_text=True))
    assert f'href="/recommendations/{SLUG}' in regressions
    timeline = squash(client.get(f"/recommendations/{SLUG}").get_data(as_text=True))
    assert (
        "<strong>Why did this change?</strong> Cooperation was suspended after the strikes."
    ) in timeline
