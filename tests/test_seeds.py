"""The seeded article: verbatim passages, and a loader that can run any number of times."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import create_app
from tracker.db import get_engine
from tracker.models import AuditEvent, Recommendation, Source, StatusUpdate
from tracker.seeds import SEEDS_DIR, SeedError, load_seeds, read_seeds

from .helpers import SLUG, add_updates

ARTICLE = (SEEDS_DIR / "mei-2020-real-cost-us-iran-escalation-iraq.txt").read_text(encoding="utf-8")


def test_every_passage_is_verbatim_in_the_article() -> None:
    data = read_seeds()
    recommendations = [rec for source in data["sources"] for rec in source["recommendations"]]
    assert len(recommendations) >= 10
    for rec in recommendations:
        assert rec["passage"] in ARTICLE, rec["slug"]
    assert len({rec["slug"] for rec in recommendations}) == len(recommendations)


def test_the_article_is_cited_at_month_precision(db: Session) -> None:
    source = db.scalars(select(Source)).one()
    assert source.title == "The real cost of US-Iran escalation in Iraq"
    assert source.author == "Omar al-Nidawi"
    assert source.publisher == "Middle East Institute"
    assert source.url == "https://www.mei.edu/publications/real-cost-us-iran-escalation-iraq"
    assert source.published_label == "January 2020"
    assert source.text == ARTICLE


def test_conditional_recommendations_record_their_condition(db: Session) -> None:
    conditions = db.scalars(
        select(Recommendation.condition).where(Recommendation.condition.is_not(None))
    ).all()
    assert len(conditions) >= 2


def test_a_changed_passage_that_is_not_in_the_article_is_refused(tmp_path: Path) -> None:
    for name in ("sources.yaml", "mei-2020-real-cost-us-iran-escalation-iraq.txt"):
        (tmp_path / name).write_text(
            (SEEDS_DIR / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    seeds = tmp_path / "sources.yaml"
    seeds.write_text(
        seeds.read_text(encoding="utf-8").replace(
            "Priority should be given", "Priority must be given", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(SeedError, match="the passage is not in"):
        read_seeds(tmp_path)


def test_init_on_an_empty_database_says_in_words_what_it_seeded(
    empty_database_url: str,
) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": empty_database_url})
    try:
        result = app.test_cli_runner().invoke(args=["init"])
    finally:
        get_engine(app).dispose()
    assert result.exit_code == 0, result.output
    data = read_seeds()
    recommendations = sum(len(source["recommendations"]) for source in data["sources"])
    assert (
        f"Database ready. Seeds: {len(data['actors'])} actors created, "
        f"{recommendations} recommendations created, 1 source created, "
        f"{len(data['themes'])} themes created." in result.output
    ), result.output


def test_init_twice_changes_nothing(runner, db: Session) -> None:
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "Seeds: nothing changed." in first.output  # the fixture loaded them already
    events = db.scalar(select(func.count()).select_from(AuditEvent))
    second = runner.invoke(args=["init"])
    assert "Seeds: nothing changed." in second.output
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_reworded_seed_updates_the_text_and_keeps_analysts_data(db: Session, make_user) -> None:
    add_updates(db, make_user(), SLUG, 3)
    data = copy.deepcopy(read_seeds())
    rec = next(r for r in data["sources"][0]["recommendations"] if r["slug"] == SLUG)
    rec["title"] = "Reworded title"
    rec["actors"] = ["united-states"]
    changes = load_seeds(db, data)
    db.commit()
    assert changes == {"recommendations updated": 1}
    stored = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    assert stored.title == "Reworded title"
    assert db.scalar(select(func.count()).select_from(StatusUpdate)) == 3
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "seed.update")).one()
    assert event.after["title"] == "Reworded title" and event.after["actors"] == ["united-states"]
    assert event.before["title"] != "Reworded title"


def test_published_on_must_be_a_date(db: Session) -> None:
    data = copy.deepcopy(read_seeds())
    data["sources"][0]["published_on"] = "January 2020"
    with pytest.raises(SeedError, match="published_on must be a date"):
        load_seeds(db, data)
    assert isinstance(read_seeds()["sources"][0]["published_on"], dt.date)
