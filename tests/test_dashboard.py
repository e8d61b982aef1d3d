"""The status dashboard: counts, filters, sorting and what is due for review."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Recommendation, Theme
from tracker.templating import days_since
from tracker.vocabulary import Role, Status

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


def due_count(page: str) -> int:
    match = re.search(r'id="count-due">(\d+)<', page)
    assert match
    return int(match.group(1))


def test_due_for_review_after_its_cadence_without_news(
    client: FlaskClient, db: Session, analyst
) -> None:
    total = len(db.scalars(select(Recommendation.id)).all())
    page = client.get("/").get_data(as_text=True)
    # Never assessed nor reviewed: every seeded recommendation needs someone to look.
    assert due_count(page) == total
    assert page.count('class="is-due"') == total
    add_updates(db, analyst, SLUG, 1, start=dt.date.today() - dt.timedelta(days=100))
    assert due_count(client.get("/").get_data(as_text=True)) == total
    add_updates(db, analyst, SLUG, 1, start=dt.date.today() - dt.timedelta(days=5))
    page = client.get("/").get_data(as_text=True)
    assert due_count(page) == total - 1
    assert "today" in page  # logged today
    due = client.get("/?review=due").get_data(as_text=True)
    assert SLUG not in row_slugs(due)
    assert len(row_slugs(due)) == total - 1
    # The chip is a link to that very list, keeping the other filters.
    assert 'href="/?theme=sanctions&amp;review=due"' in client.get("/?theme=sanctions").get_data(
        as_text=True
    )
    # As of 8 days ago, the update of 5 days ago did not hold yet, and the one of 100 days
    # ago had come due 2 days before.
    as_of = (dt.date.today() - dt.timedelta(days=8)).isoformat()
    then = client.get(f"/?review=due&as_of={as_of}").get_data(as_text=True)
    assert f'href="/recommendations/{SLUG}?as_of={as_of}"' in then


def test_a_cadence_of_its_own_makes_it_due_sooner(
    client: FlaskClient, db: Session, analyst
) -> None:
    add_updates(db, analyst, SLUG, 1, start=dt.date.today() - dt.timedelta(days=5))
    assert SLUG not in row_slugs(client.get("/?review=due").get_data(as_text=True))
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    recommendation.review_every_days = 3
    db.commit()
    assert SLUG in row_slugs(client.get("/?review=due").get_data(as_text=True))


def test_statements_do_not_grow_with_history(
    client: FlaskClient, db: Session, analyst, count_statements
) -> None:
    slugs = db.scalars(select(Recommendation.slug)).all()
    add_updates(db, analyst, slugs[0], 10)
    client.get("/corrections")  # the first request after login also settles the session
    counter = count_statements()
    client.get("/")
    with_10 = counter.count
    # The rows, their actors' names, the counts, the breakdowns, the changes since one last
    # looked, the latest judgements, the filters' choices and the request's own.
    assert with_10 <= 14
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


def test_before_a_source_was_published_its_recommendations_were_not_yet_made(
    client: FlaskClient, db: Session, analyst
) -> None:
    total = len(db.scalars(select(Recommendation.id)).all())
    page = client.get("/?as_of=2019-12-31").get_data(as_text=True)
    assert (
        f"{total} recommendations were not yet made on 2019-12-31: their source was published "
        "later, so they are left out here." in re.sub(r"\s+", " ", page)
    )
    assert f'href="/recommendations/{SLUG}"' not in page
    assert "not yet made" not in client.get("/?as_of=2020-01-02").get_data(as_text=True)

    shown = client.get(f"/recommendations/{SLUG}?as_of=2019-12-31").get_data(as_text=True)
    assert "Not yet made on" in shown and "its source was published January 2020" in shown
    assert "Status then" not in shown


def test_empty_filters_are_dropped_from_the_address(client: FlaskClient, analyst) -> None:
    response = client.get("/?source=&theme=sanctions&actor=&status=&as_of=&known_on=&sort=title")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?theme=sanctions&sort=title"
    assert client.get("/?status=").headers["Location"] == "/"
    assert client.get("/?theme=sanctions").status_code == 200
    assert client.get("/search?q=talks&theme=").headers["Location"] == "/search?q=talks"
    assert 'src="/static/tracker.js"' in client.get("/").get_data(as_text=True)


def test_a_recommendations_actors_and_theme_lead_to_the_dashboard_filtered_on_them(
    client: FlaskClient, db: Session, analyst
) -> None:
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    page = client.get(f"/recommendations/{SLUG}").get_data(as_text=True)
    facts = page[page.index('<dl class="facts">') :]
    facts = facts[: facts.index("</dl>")]
    theme = db.get(Theme, recommendation.theme_id)
    assert f'<a href="/?theme={theme.slug}"' in facts
    actors = re.findall(r'<a href="/\?actor=([\w-]+)"', facts)
    assert actors and all(client.get(f"/?actor={slug}").status_code == 200 for slug in actors)
    filtered = client.get(f"/?actor={actors[0]}").get_data(as_text=True)
    assert f'href="/recommendations/{SLUG}"' in filtered
    # The feed and the API are a link away, from the page and from every page's menu.
    assert f'href="/feeds/recommendations/{SLUG}.atom"' in page
    assert f'href="/api/v1/recommendations/{SLUG}"' in page
    menu = page[page.index('<nav aria-label="Main">') : page.index("</nav>")]
    for address in ('href="/account/tokens"', 'href="/api/v1/"', 'href="/feeds/updates.atom"'):
        assert address in menu


def test_a_row_names_its_owner_escaped_and_says_since_when_it_is_due(
    client: FlaskClient, db: Session, make_user, analyst
) -> None:
    owner = make_user(Role.ANALYST, name="Nadia <b>Owner</b>")
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    recommendation.owner_id = owner.id
    db.commit()
    add_updates(db, analyst, SLUG, 1, start=dt.date(2020, 2, 1))
    page = squash(client.get("/").get_data(as_text=True))
    row = page[page.index(f'<a href="/recommendations/{SLUG}"') :]
    row = row[: row.index("</tr>")]
    assert "· owner Nadia &lt;b&gt;Owner&lt;/b&gt;</div>" in row
    # Held as of 2020-02-01, re-checked every 90 days: due since 2020-05-01.
    assert '<span class="badge due" title="Due since 2020-05-01">Due for review</span>' in row
    assert '<td data-label="As of"><time datetime="2020-02-01">2020-02-01</time></td>' in row
    assert '<td data-label="Last update">today</td>' in row
    # A recommendation never assessed is due, and says so.
    never = page[page.rindex('<tr class="is-due">') :]
    assert 'title="Never assessed nor reviewed"' in never[: never.index("</tr>")]


def test_the_last_update_says_how_many_days_ago(app: Flask) -> None:
    with app.test_request_context("/"):
        today = dt.date.today()
        assert days_since(today - dt.timedelta(days=12), today) == "12 days ago"
        assert days_since(today - dt.timedelta(days=1), today) == "1 day ago"
        assert days_since(today, today) == "today"
