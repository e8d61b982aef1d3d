"""Full-text search over recommendations, assessments and evidence, on both databases."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import nh3
import pytest
from alembic import command
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tracker.engine import make_engine
from tracker.models import Evidence, Recommendation, StatusUpdate, Theme, User
from tracker.schema import alembic_config
from tracker.search import engines, views
from tracker.search.engines import engine_for
from tracker.search.index import rebuild
from tracker.status_updates import correct_status_update
from tracker.vocabulary import Confidence, Role, Status

from .helpers import SLUG, add_updates, evidence_row, update_form
from .test_exchange import csv_row, write_csv

EXCERPT = "On Tuesday the ministry signed the memorandum with Erbil <b>at last</b>."


@pytest.fixture(autouse=True)
def fresh_index(runner: FlaskCliRunner) -> None:
    """Index the seeded rows anew: the suite empties tables behind the application's back."""
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def logged(client: FlaskClient, analyst: User) -> int:
    """Log an update whose evidence holds EXCERPT through the form; return its id."""
    response = client.post(
        f"/recommendations/{SLUG}/updates/new",
        data=update_form(
            evidence_row(0, excerpt=EXCERPT), assessment="Talks **resumed** in October."
        ),
    )
    assert response.status_code == 302
    match = re.search(
        r'id="update-(\d+)"', client.get(f"/recommendations/{SLUG}").get_data(as_text=True)
    )
    return int(match.group(1))


def unmarked(html: str) -> str:
    return re.sub(r"</?mark>", "", html)


def test_a_phrase_from_an_evidence_excerpt_is_found_and_marked(
    client: FlaskClient, logged: int
) -> None:
    page = client.get('/search?q="signed the memorandum"').get_data(as_text=True)
    assert f'href="/recommendations/{SLUG}#update-{logged}"' in page
    snippets = re.findall(r'<p class="snippet">(.*?)</p>', page, re.S)
    assert len(snippets) == 1
    assert "<mark>signed" in snippets[0]
    assert "the ministry signed the memorandum with Erbil" in unmarked(snippets[0])
    assert "<" not in unmarked(snippets[0])  # <mark> is the only markup
    # SQLite shows the excerpt's "<b>" as text; PostgreSQL's headline leaves tags out.
    assert "<b>" not in snippets[0]


def test_words_need_not_be_adjacent_but_a_phrase_must_be(client: FlaskClient, logged: int) -> None:
    assert "snippet" in client.get("/search?q=memorandum Tuesday").get_data(as_text=True)
    assert "Nothing matches" in client.get('/search?q="memorandum signed"').get_data(as_text=True)


def test_search_keeps_to_the_dashboards_filters(
    client: FlaskClient, db: Session, logged: int
) -> None:
    theme = db.scalar(select(Theme.slug).join(Recommendation).where(Recommendation.slug == SLUG))
    other = db.scalar(select(Theme.slug).where(Theme.slug != theme))
    assert "snippet" in client.get(f"/search?q=memorandum&theme={theme}").get_data(as_text=True)
    assert "snippet" in client.get("/search?q=memorandum&status=in_progress").get_data(as_text=True)
    assert "Nothing matches" in client.get(f"/search?q=memorandum&theme={other}").get_data(
        as_text=True
    )
    assert "Nothing matches" in client.get("/search?q=memorandum&status=stalled").get_data(
        as_text=True
    )


def test_recommendations_and_corrected_assessments_are_searched(
    client: FlaskClient, db: Session, make_user: Callable[..., User], logged: int
) -> None:
    title = db.scalar(select(Recommendation.title).where(Recommendation.slug == SLUG))
    word = max(re.findall(r"[A-Za-z]{6,}", title), key=len)
    page = client.get(f"/search?q={word}").get_data(as_text=True)
    assert "Recommendation</span>" in page and f"/recommendations/{SLUG}" in page

    assert "Assessment</span>" in client.get("/search?q=resumed").get_data(as_text=True)
    update = db.get(StatusUpdate, logged)
    correct_status_update(
        db, update, editor=make_user(Role.EDITOR), status=Status.STALLED, as_of=update.as_of,
        assessment="Negotiators walked out.", confidence=Confidence.LOW, reason="Misread.",
    )  # fmt: skip
    db.commit()
    assert "Assessment</span>" in client.get("/search?q=negotiators").get_data(as_text=True)
    assert "Assessment</span>" not in client.get("/search?q=resumed").get_data(as_text=True)


def test_the_api_searches_too(client: FlaskClient, logged: int) -> None:
    body = client.get('/api/v1/search?q="signed the memorandum"').json
    assert [
        (hit["kind"], hit["recommendation"]["slug"], hit["update_id"]) for hit in body["items"]
    ] == [("evidence", SLUG, logged)]
    snippet = body["items"][0]["snippet"]
    assert "<mark>" in snippet and "<" not in unmarked(snippet)


def test_the_dashboard_has_a_search_box(client: FlaskClient, analyst: User) -> None:
    page = client.get("/?theme=x").get_data(as_text=True)
    assert 'action="/search"' in page and 'name="q"' in page
    assert '<input type="hidden" name="theme" value="x">' in page


def test_rows_that_exist_before_the_migration_are_found_after_it(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, "d025a95ecdaf")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO theme (id, slug, name) VALUES (1, 'talks', 'Talks')",
                "INSERT INTO source (id, slug, kind, title, author, publisher, url, published_on,"
                " date_precision, created_at, updated_at) VALUES (1, 'src', 'article', 'T', 'A',"
                " 'P', 'https://example.org', '2020-01-01', 'month', :now, :now)",
                "INSERT INTO recommendation (id, source_id, slug, position, title, summary,"
                " passage, theme_id, created_at, updated_at) VALUES (1, 1, 'rec', 1,"
                " 'Reopen the border crossings', 'Summary', 'Passage', 1, :now, :now)",
                'INSERT INTO "user" (id, email, name, password_hash, role, active, created_at)'
                " VALUES (1, 'a@example.org', 'A', 'x', 'analyst', true, :now)",
                "INSERT INTO status_update (id, recommendation_id, status, as_of, assessment,"
                " confidence, author_id, created_at) VALUES (1, 1, 'stalled', '2021-01-01',"
                " 'Stalled in January.', 'high', 1, :now)",
                "INSERT INTO evidence (id, update_id, position, url, title, publisher, excerpt,"
                " stance, reliability, credibility) VALUES (1, 1, 1, 'https://example.org/e',"
                " 'E', 'P', 'Trucks queued at the crossing for days.', 'supports', 'B', '2')",
            ):
                connection.execute(text(statement), {"now": "2024-01-01 00:00:00"})
        command.upgrade(config, "head")
        with Session(engine) as session:
            found = engine_for(session).matches(session, "crossing", None, 10, 0)
            assert found.total == 2
            assert {(m.kind, m.target_id) for m in found.matches} == {
                ("recommendation", 1),
                ("evidence", 1),
            }
            assert (
                engine_for(session).matches(session, "january", None, 10, 0).matches[0].kind
                == "assessment"
            )
    finally:
        engine.dispose()


def test_snippets_show_markdown_as_text(client: FlaskClient, logged: int) -> None:
    page = client.get("/search?q=resumed").get_data(as_text=True)
    snippets = re.findall(r'<p class="snippet">(.*?)</p>', page, re.S)
    assert any("Talks <mark>resumed</mark> in October" in s for s in snippets)
    assert not any("**" in s for s in snippets)


def test_publishers_and_evidence_titles_are_searched(client: FlaskClient, analyst: User) -> None:
    client.post(
        f"/recommendations/{SLUG}/updates/new",
        data=update_form(evidence_row(0, publisher="Reuters", title="Ceasefire holds in Sinjar")),
    )
    assert "Evidence</span>" in client.get("/search?q=Reuters").get_data(as_text=True)
    assert "Evidence</span>" in client.get("/search?q=Sinjar").get_data(as_text=True)


def test_web_search_syntax_quotes_or_and_minus(client: FlaskClient, analyst: User) -> None:
    for number, excerpt in enumerate(
        [
            "The tariffs were targeted at militia leaders.",
            "Broad tariffs hit the whole economy.",
            "A blockade of the port began.",
        ]
    ):
        client.post(
            f"/recommendations/{SLUG}/updates/new",
            data=update_form(evidence_row(0, excerpt=excerpt, title=f"Item {number}")),
        )

    def found(query: str) -> set[str]:
        page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        return set(re.findall(r"<mark>(\w+)</mark>", page)) | (
            {"nothing"} if "Nothing matches" in page else set()
        )

    def count(query: str) -> int:
        page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        match = re.search(r'<h2 id="results-heading">([\d,]+) results?', page)
        return int(match.group(1)) if match else 0

    assert count("tariffs") == 2
    assert count("tariffs -targeted") == 1
    assert "targeted" not in found("tariffs -targeted")
    assert count("tariffs OR blockade") == 3
    assert count("tariffs or blockade") == 0  # a lowercase "or" is a word to find
    assert count('"whole economy" OR blockade') == 2
    assert count('tariffs -"militia leaders"') == 1
    page = client.get("/search?q=-tariffs").get_data(as_text=True)
    assert "add a word to look for" in page


def test_each_result_shows_its_status_and_the_count(client: FlaskClient, logged: int) -> None:
    page = client.get("/search?q=memorandum").get_data(as_text=True)
    assert '<h2 id="results-heading">1 result</h2>' in page
    result = page[page.index('<ol class="search-results">') :]
    assert '<span class="badge status-in_progress">In progress</span>' in result
    hit = client.get("/api/v1/search?q=memorandum").json["items"][0]
    assert hit["status"] == "in_progress"
    assert hit["recommendation"]["url"].startswith("http://localhost/api/v1/")


def test_plain_snippets_skip_the_markdown_renderer_and_read_the_same() -> None:
    samples = [
        f"Officials confirmed the {engines.START}talks{engines.STOP} resumed.",
        "…the talks resumed in October (2021), 50% done…",
        'don\'t "quote" it, well-known x - y / z!',
        "  leading spaces", "    an indented line", "tab\there", "مرحبا العالم",
        "- an item", "1. first", "2020. Talks", "1) one", "a_b_c", "# heading", "* star",
        "**bold** and `code`", "&amp; <b>tag</b>", "[link](https://example.org)", "5 + 3",
        "مرحبا، العالم؟",
    ]  # fmt: skip
    fast = [sample for sample in samples if engines.PLAIN.fullmatch(sample)]
    assert len(fast) == 7
    for sample in samples:
        by_markdown = " ".join(
            engines.LEFT_OVER_MARKS.sub(
                " ", html.unescape(nh3.clean(engines.MARKDOWN.render(sample), tags=set()))
            ).split()
        )
        assert engines.plain_text(sample) == by_markdown, sample


def test_the_rows_that_say_a_word_most_often_come_first(client: FlaskClient, analyst: User) -> None:
    """Best first: on SQLite by how often a row holds the words against its length, without
    reading every row that holds them; on PostgreSQL by `ts_rank`."""
    assessments = {
        "once": "The quokka was seen near the crossing, and the talks went on for hours.",
        "thrice": "Quokka here, quokka there, a third quokka.",
        "twice": "Quokka here, and another quokka there.",
    }
    for assessment in assessments.values():
        response = client.post(
            f"/recommendations/{SLUG}/updates/new", data=update_form(assessment=assessment)
        )
        assert response.status_code == 302
    page = client.get("/search?q=quokka").get_data(as_text=True)
    assert '<h2 id="results-heading">3 results</h2>' in page
    snippets = re.findall(r'<p class="snippet">(.*?)</p>', page, re.S)
    assert len(snippets) == 3
    assert "third" in snippets[0] and "another" in snippets[1] and "hours" in snippets[2]


def test_a_search_that_matches_more_than_it_ranks_lists_the_best_of_the_newest(
    client: FlaskClient, db: Session, analyst: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_updates(db, analyst, SLUG, 5)  # five items of evidence that say "Quoted words."
    newest = db.scalars(select(StatusUpdate.id).order_by(StatusUpdate.id.desc()).limit(3)).all()
    client.get("/search?q=quoted")  # settles the session's first request
    page = client.get("/search?q=quoted").get_data(as_text=True)
    assert '<h2 id="results-heading">5 results</h2>' in page
    for module in (engines, views):
        monkeypatch.setattr(module, "RANKED", 3)
    page = client.get("/search?q=quoted&page=1").get_data(as_text=True)
    assert '<h2 id="results-heading">More than 3 results</h2>' in page
    assert "These are the best of the newest matches" in page
    shown = {int(found) for found in re.findall(r"#update-(\d+)", page)}
    assert shown == set(newest)
    listed, url = [], "/api/v1/search?q=quoted&limit=2"
    while url:
        answer = client.get(url).json
        listed += [item["update_id"] for item in answer["items"]]
        url = answer["next"]
    assert sorted(listed) == sorted(newest)


def test_an_import_is_searched_and_clears_what_a_stale_index_held(
    client: FlaskClient, analyst: User, runner: FlaskCliRunner, db: Session, tmp_path
) -> None:
    """Updates loaded in bulk, 1,500 in two chunks, are indexed by ranges of their ids, which
    also clear an entry a stale index held where the first new update and evidence go."""
    sqlite = db.get_bind().dialect.name == "sqlite"
    if sqlite:
        next_update = (db.scalar(select(func.max(StatusUpdate.id))) or 0) + 1
        next_evidence = (db.scalar(select(func.max(Evidence.id))) or 0) + 1
        for rowid in (next_update * 4 + 1, next_evidence * 4 + 2):
            db.execute(
                text("INSERT INTO search_index (rowid, title, body) VALUES (:r, '', 'zebra')"),
                {"r": rowid},
            )
        db.commit()
    rows = [
        csv_row(f"k{n}", SLUG, logged_at=f"2024-03-01T09:00:00.{n:06d}+00:00") for n in range(1_500)
    ]
    rows[0]["assessment"] = "A quokka crossed the border."
    rows[-1]["evidence_excerpt"] = "An okapi was seen."
    result = runner.invoke(args=["import", str(write_csv(tmp_path / "updates.csv", rows))])
    assert result.exit_code == 0, result.output

    for word in ("quokka", "okapi"):
        page = client.get("/search", query_string={"q": word}).get_data(as_text=True)
        assert re.search(r"<mark>(quokka|okapi)</mark>", page), word
    assert "<mark>zebra</mark>" not in client.get("/search?q=zebra").get_data(as_text=True)
    if sqlite:
        entries = "SELECT rowid, title, body, recommendation_id FROM search_index ORDER BY rowid"
        db.rollback()
        indexed = db.execute(text(entries)).all()
        assert rebuild(db.connection()) == len(indexed)
        assert db.execute(text(entries)).all() == indexed
