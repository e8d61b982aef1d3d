"""Regressions: recommendations that held Implemented or Partially implemented and lost it."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Recommendation, StatusUpdate, User
from tracker.regressions import Loss, loss
from tracker.status_updates import EvidenceInput, record_status_update, retract_status_update
from tracker.vocabulary import Confidence, Credibility, Reliability, Role, Stance, Status

from .helpers import SLUG, squash

PARTIAL_THEN_DONE = "un-supported-talks-on-coalition-presence"
OVERTAKEN = "iraqi-declaration-on-attacks-against-coalition"
DOWNGRADED = "respect-iraqi-neutrality"
S = Status


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_a_loss_says_what_was_held_until_when_and_since_when_it_is_lost() -> None:
    history = [
        (day("2020-01-01"), S.IN_PROGRESS),
        (day("2020-06-01"), S.IMPLEMENTED),
        (day("2020-09-01"), S.IMPLEMENTED),
        (day("2021-01-01"), S.STALLED),
        (day("2021-03-01"), S.CONTRADICTED),
    ]
    assert loss(history) == Loss(S.IMPLEMENTED, day("2020-09-01"), day("2021-01-01"))
    assert loss(history[:3]) is None
    assert loss([(day("2020-01-01"), S.PARTIAL), (day("2020-02-01"), S.OVERTAKEN)]) is None
    assert loss([(day("2020-01-01"), S.IMPLEMENTED), (day("2020-02-01"), S.PARTIAL)]) == Loss(
        S.IMPLEMENTED, day("2020-01-01"), day("2020-02-01")
    )
    assert loss([]) is None


def log(db: Session, author: User, slug: str, status: Status, as_of: str, logged: str) -> int:
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == slug)).one()
    update = record_status_update(
        db, recommendation, author=author, status=status, as_of=day(as_of),
        assessment=f"{status.label}.", confidence=Confidence.MODERATE,
        evidence=[EvidenceInput("https://news.example.org/x", "X", "Example News", "Words.",
                                Stance.SUPPORTS, Reliability.B, Credibility.PROBABLE)],
        change_reason="Events moved.",
        now=dt.datetime.combine(day(logged), dt.time(12), dt.UTC),
    )  # fmt: skip
    db.commit()
    return update.id


def count(page: str) -> str:
    return squash(page).split('id="count-regressed">')[1].split("<")[0]


def test_regressions_are_counted_and_listed_for_any_as_of_and_known_on(
    client: FlaskClient, db: Session, make_user, analyst
) -> None:
    log(db, analyst, SLUG, S.IMPLEMENTED, "2021-01-10", "2021-01-11")
    stalled = log(db, analyst, SLUG, S.STALLED, "2021-06-01", "2021-06-02")
    log(db, analyst, PARTIAL_THEN_DONE, S.PARTIAL, "2021-01-10", "2021-01-11")
    log(db, analyst, PARTIAL_THEN_DONE, S.IMPLEMENTED, "2021-06-01", "2021-06-02")
    log(db, analyst, OVERTAKEN, S.PARTIAL, "2021-01-10", "2021-01-11")
    log(db, analyst, OVERTAKEN, S.OVERTAKEN, "2021-06-01", "2021-06-02")
    log(db, analyst, DOWNGRADED, S.IMPLEMENTED, "2021-01-10", "2021-01-11")
    log(db, analyst, DOWNGRADED, S.PARTIAL, "2021-07-01", "2021-07-02")

    assert count(client.get("/").get_data(as_text=True)) == "2"
    page = squash(client.get("/regressions").get_data(as_text=True))
    assert "have lost it: 2 as of" in page
    assert f'href="/recommendations/{SLUG}' in page and f"/recommendations/{DOWNGRADED}" in page
    assert PARTIAL_THEN_DONE not in page and OVERTAKEN not in page
    assert ('Implemented</span> last as of <time datetime="2021-01-10">2021-01-10</time>') in page
    assert 'Stalled</span> since <time datetime="2021-06-01">2021-06-01</time>' in page
    board = squash(client.get("/?regressed=1").get_data(as_text=True))
    assert "2 recommendations</caption>" in board
    assert 'title="Held Implemented or Partially implemented and lost it">Regressed' in board

    assert count(client.get("/?as_of=2021-03-01").get_data(as_text=True)) == "0"
    assert count(client.get("/?as_of=2021-06-15").get_data(as_text=True)) == "1"
    assert count(client.get("/?known_on=2021-06-01").get_data(as_text=True)) == "0"
    assert "have lost it: 1 as of" in squash(
        client.get("/regressions?known_on=2021-06-02").get_data(as_text=True)
    )
    api = client.get(f"/api/v1/recommendations/{SLUG}").json
    assert api["regressed"] is True

    editor = make_user(Role.EDITOR)
    update = db.get_one(StatusUpdate, stalled)
    retract_status_update(db, update, editor=editor, reason="Misread the news.")
    db.commit()
    assert count(client.get("/").get_data(as_text=True)) == "1"
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert count(client.get(f"/?known_on={yesterday}").get_data(as_text=True)) == "2"
