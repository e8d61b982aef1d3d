"""The status dashboard: counts, filters, sorting and staleness."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Recommendation
from tracker.vocabulary import Status

from .helpers import SLUG, add_updates, squash


def row_slugs(page: str) -> list[str]:
    return re.findall(r'<a href="/recommendations/([a-z0-9-]+)">', page)


def count_of(page: str, status: Status) -> int:
    match = re.search(rf'id="count-{status.value}">(\d+)<', page)
    assert match, status
    return int(match.group(1))


def test_anonymous_visitors_are_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/?theme=sanctions")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/?theme%3Dsanctions"


def test_lists_every_seeded_recommendation_in_article_order(
    client: FlaskClient, db: Session, analyst
) -> None:
    page = client.get("/").get_data(as_text=True)
    expected = db.scalars(select(Recommendation.slug).order_by(Recommendation.position)).all()
    assert len(expected) >= 10
    assert row_slugs(page) == expected
    assert count_of(page, Status.NOT_ASSESSED) == len(expected)
    assert "Steps were taken, then stopped." in page  # the legend


def test_counts_follow_the_current_status(client: FlaskClient, db: Session, analyst) -> None:
    add_updates(db, analyst, SLUG, 2, status=Status.STALLED)
    page = client.get("/").get_data(as_text=True)
    total = len(row_slugs(page))
    assert count_of(page, Status.STALLED) == 1
    assert count_of(page, Status.NOT_ASSESSED) == total - 1


def test_filters_combine_and_stay_in_the_query_string(
    client: FlaskClient, db: Session, analyst
) -> None:
    add_updates(db, analyst, SLUG, 1, status=Status.IMPLEMENTED)
    page = client.get("/?status=implemented").get_data(as_text=True)
    assert row_slugs(page) == [SLUG]
    page = client.get("/?status=not_assessed&actor=united-states").get_data(as_text=True)
    assert SLUG not in row_slugs(page)
    assert row_slugs(page)  # other recommendations to the US remain
    assert '<option value="united-states" selected>' in page
    page = client.get("/?theme=no-such-theme").get_data(as_text=True)
    assert row_slugs(page) == []
    assert "No recommendation matches these filters." in page


def test_actor_filter_keeps_only_recommendations_addressed_to_it(
    client: FlaskClient, db: Session, analyst
) -> None:
    page = client.get("/?actor=unami").get_data(as_text=True)
    slugs = row_slugs(page)
    assert slugs
    for slug in slugs:
        assert "UN Assistance Mission for Iraq" in client.get(f"/recommendations/{slug}").get_data(
            as_text=True
        )


def test_sorting_by_status_and_title(client: FlaskClient, db: Session, analyst) -> None:
    add_updates(db, analyst, SLUG, 1, status=Status.CONTRADICTED)
    by_status = row_slugs(client.get("/?sort=status").get_data(as_text=True))
    assert by_status[-1] == SLUG  # Contradicted comes after every "Not yet assessed"
    titles = db.scalars(select(Recommendation.title).order_by(Recommendation.title)).all()
    page = client.get("/?sort=title").get_data(as_text=True)
    slugs = row_slugs(page)
    by_slug = dict(db.execute(select(Recommendation.slug, Recommendation.title)).all())
    assert [by_slug[slug] for slug in slugs] == list(titles)


def test_stale_after_90_days_without_news(client: FlaskClient, db: Session, analyst) -> None:
    add_updates(db, analyst, SLUG, 1, start=dt.date.today() - dt.timedelta(days=91))
    page = client.get("/").get_data(as_text=True)
    assert page.count('class="is-stale"') == 1
    add_updates(db, analyst, SLUG, 1, start=dt.date.today() - dt.timedelta(days=5))
    page = client.get("/").get_data(as_text=True)
    assert 'class="is-stale"' not in page
    assert "today" in page  # logged today


def test_statements_do_not_grow_with_history(
    client: FlaskClient, db: Session, analyst, count_statements
) -> None:
    slugs = db.scalars(select(Recommendation.slug)).all()
    add_updates(db, analyst, slugs[0], 10)
    client.get("/corrections")  # the first request after login also settles the session
    counter = count_statements()
    client.get("/")
    with_10 = counter.count
    for slug in slugs:
        add_updates(db, analyst, slug, 50)
    counter = count_statements()
    client.get("/?sort=logged")
    assert counter.count == with_10


def bar_rows(page: str, chart: str) -> dict[str, tuple[float, int]]:
    """Each bar of a chart: its name, how far it reaches (percent of the scale) and its total."""
    block = re.search(rf'<ol class="bar-rows" id="{chart}">(.*?)</ol>', page, re.S).group(1)
    rows = {}
    for row in re.findall(r'<li class="bar-row">(.*?)</li>', block, re.S):
        name = re.sub(r"<[^>]+>", "", re.search(r'class="bar-name">(.*?)</span>', row).group(1))
        pieces = re.findall(r'<rect class="seg" x="([\d.]+)%" y="1" width="([\d.]+)%"', row)
        end = max(float(x) + float(width) for x, width in pieces)
        total = int(re.search(r'<span class="bar-total">(\d+)</span>', row).group(1))
        rows[name.strip()] = (end, total)
    return rows


def test_theme_and_actor_bars_share_one_scale_with_counts(
    client: FlaskClient, db: Session, analyst
) -> None:
    page = client.get("/").get_data(as_text=True)
    themes, actors = bar_rows(page, "chart-theme"), bar_rows(page, "chart-actor")
    largest = max(total for _, total in [*themes.values(), *actors.values()])
    assert largest > 1
    for end, total in [*themes.values(), *actors.values()]:
        assert abs(end - 100 * total / largest) < 0.05  # length follows the count
    assert themes["Sovereignty"][1] == 1
    assert themes["Sovereignty"][0] < themes["Political transition"][0]
    assert actors["United States"][0] == 100.0  # the longest of both charts fills the width


def test_bars_and_status_chips_link_to_the_dashboard_filtered_on_them(
    client: FlaskClient, db: Session, analyst
) -> None:
    add_updates(db, analyst, SLUG, 1, status=Status.STALLED)
    page = client.get("/?source=mei-2020-real-cost-us-iran-escalation-iraq").get_data(as_text=True)
    source = "source=mei-2020-real-cost-us-iran-escalation-iraq"
    theme = f'<a href="/?{source}&amp;theme=security-cooperation">Security cooperation</a>'
    assert theme in page  # the bar's name
    piece = f'<a href="/?{source}&amp;theme=security-cooperation&amp;status=stalled"'
    assert piece + ' aria-label="Security cooperation: Stalled, 1">' in page  # its piece
    assert f'<a href="/?{source}&amp;actor=united-states&amp;status=stalled"' in page
    assert f'<a href="/?{source}&amp;status=stalled" aria-label="All shown: Stalled, 1">' in page
    chip = f'<a class="badge-link" href="/?{source}&amp;status=stalled">'
    assert chip + '<span class="badge status-stalled">Stalled</span></a>' in page  # in the table
    filtered = client.get(f"/?{source}&theme=security-cooperation&status=stalled")
    assert row_slugs(filtered.get_data(as_text=True)) == [SLUG]


def test_dates_are_kept_whole_and_cards_keep_their_column_labels(
    client: FlaskClient, db: Session, analyst
) -> None:
    as_of = dt.date.today() - dt.timedelta(days=10)
    update = (as_of - dt.timedelta(days=15)).isoformat()
    add_updates(db, analyst, SLUG, 1, start=as_of - dt.timedelta(days=15))
    page = squash(client.get("/", query_string={"as_of": as_of.isoformat()}).get_data(as_text=True))
    heading = f'<time datetime="{as_of.isoformat()}">{as_of.isoformat()}</time></h2>'
    assert f"What changed in the 30 days to {heading}" in page
    assert f'<td data-label="As of"><time datetime="{update}">{update}</time></td>' in page
    for label in ("#", "Recommendation", "Theme", "Addressed to", "Status", "As of"):
        assert page.count(f'<td data-label="{label}">') == page.count("<tr") - 1
    assert "1 recommendation" not in page and "15 recommendations" in page
    one = squash(client.get("/", query_string={"status": "in_progress"}).get_data(as_text=True))
    assert "<caption>1 recommendation</caption>" in one
