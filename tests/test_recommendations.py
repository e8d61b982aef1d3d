"""A recommendation's page, and analysts logging status updates through the form."""

from __future__ import annotations

import datetime as dt
import html
import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tracker.models import AuditEvent, Evidence, Recommendation, StatusUpdate, User
from tracker.recommendations.operations import load_recommendation, record_review
from tracker.status_updates import correct_status_update, retract_status_update
from tracker.vocabulary import Confidence, Role, Status

from .helpers import SLUG, add_updates, evidence_row, squash, update_form

URL = f"/recommendations/{SLUG}"


def stored_updates(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(StatusUpdate)) or 0


def test_page_shows_the_sources_own_words(client: FlaskClient, db: Session, analyst) -> None:
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    page = client.get(URL).get_data(as_text=True)
    assert (
        '<blockquote cite="https://www.mei.edu/publications/real-cost-us-iran-escalation-iraq">'
        f"{html.escape(recommendation.passage, quote=False)}</blockquote>" in page
    )
    assert recommendation.title in page
    assert "Middle East Institute, January 2020" in page
    assert "Not yet assessed" in page
    assert "Log status update" in page


def test_unknown_recommendation_is_404_in_the_site_layout(client: FlaskClient, analyst) -> None:
    response = client.get("/recommendations/no-such-thing")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.get_data(as_text=True)
    assert "Log out" in response.get_data(as_text=True)


def test_analyst_logs_update_with_two_evidence_items(
    client: FlaskClient, db: Session, analyst
) -> None:
    form = client.get(f"{URL}/updates/new").get_data(as_text=True)
    assert '<label for="as_of">As of</label>' in form
    assert "Concrete steps are under way." in form  # each status's definition

    response = client.post(
        f"{URL}/updates/new",
        data=update_form(
            evidence_row(0, title="Talks resume in Baghdad"),
            evidence_row(
                1,
                title="Militias reject talks",
                stance="contradicts",
                reliability="C",
                credibility="3",
            ),
        ),
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.request.path == URL
    assert "Status update logged." in page
    assert "Talks <strong>resumed</strong> in October." in page
    assert "Talks resume in Baghdad" in page and "Militias reject talks" in page
    assert ">B2<" in page and ">C3<" in page
    assert "Contradicts" in page
    assert "by Nadia Analyst" in page
    assert 'Current status: <span class="badge status-in_progress">In progress</span>' in squash(
        page
    )

    update = db.scalars(select(StatusUpdate)).one()
    assert update.as_of == dt.date(2021, 10, 10)
    assert db.scalar(select(func.count()).select_from(Evidence)) == 2

    dashboard = client.get("/").get_data(as_text=True)
    row = dashboard[dashboard.index(f'href="{URL}"') :]
    row = row[: row.index("</tr>")]
    assert "In progress" in row and "2021-10-10" in row


def test_adding_an_evidence_row_keeps_what_was_typed(
    client: FlaskClient, db: Session, analyst
) -> None:
    data = update_form(evidence_row(0, title="First source"))
    data.pop("save")
    data["add_evidence"] = "Add another evidence row"
    page = client.post(f"{URL}/updates/new", data=data).get_data(as_text=True)
    assert 'name="evidence-1-url"' in page
    assert 'value="First source"' in page
    assert stored_updates(db) == 0


def test_bad_url_is_refused_next_to_the_field_and_nothing_stored(
    client: FlaskClient, db: Session, analyst
) -> None:
    response = client.post(
        f"{URL}/updates/new",
        data=update_form(evidence_row(0), evidence_row(1, url="javascript:alert(1)")),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    error = page[page.index('name="evidence-1-url"') :]
    assert "Use a link that starts with http:// or https://." in error[:600]
    assert "Talks **resumed** in October." in page  # what was typed is kept
    assert stored_updates(db) == 0


def test_impossible_and_future_dates_are_refused(client: FlaskClient, db: Session, analyst) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    for as_of, message in [
        ("2021-02-30", "Not a valid date value."),
        (tomorrow, "The date cannot be in the future."),
    ]:
        page = client.post(f"{URL}/updates/new", data=update_form(as_of=as_of)).get_data(
            as_text=True
        )
        assert message in page
        assert f'value="{as_of}"' in page
    assert stored_updates(db) == 0


def test_missing_fields_are_named(client: FlaskClient, db: Session, analyst) -> None:
    page = client.post(
        f"{URL}/updates/new", data=update_form(evidence_row(0, title=""), status="", confidence="")
    ).get_data(as_text=True)
    assert "Choose a status." in page
    assert "Choose your confidence." in page
    assert 'id="evidence-0-title-error"' in page
    assert stored_updates(db) == 0


def test_extra_fields_cannot_set_author_or_time(
    client: FlaskClient, db: Session, analyst, make_user
) -> None:
    other = make_user(Role.ADMIN)
    data = update_form(author_id=str(other.id), created_at="2000-01-01T00:00:00", id="999")
    client.post(f"{URL}/updates/new", data=data)
    update = db.scalars(select(StatusUpdate)).one()
    assert update.author_id == analyst.id
    assert update.id != 999
    assert update.created_at.year == dt.date.today().year


def test_the_form_proposes_the_current_status(client: FlaskClient, analyst) -> None:
    client.post(f"{URL}/updates/new", data=update_form(status="stalled"))
    page = client.get(f"{URL}/updates/new").get_data(as_text=True)
    checked = re.findall(r'<input checked[^>]*name="status"[^>]*value="(\w+)"', page)
    assert checked == ["stalled"]


def test_viewer_can_read_but_not_log(client: FlaskClient, db: Session, make_user, auth) -> None:
    auth.login(make_user(Role.VIEWER))
    assert client.get(URL).status_code == 200
    assert "Log status update</a>" not in client.get(URL).get_data(as_text=True)
    assert client.get(f"{URL}/updates/new").status_code == 403
    assert client.post(f"{URL}/updates/new", data=update_form()).status_code == 403
    assert stored_updates(db) == 0


def test_timeline_is_newest_first_and_audited(client: FlaskClient, db: Session, analyst) -> None:
    client.post(f"{URL}/updates/new", data=update_form(status="in_progress", as_of="2020-03-01"))
    client.post(f"{URL}/updates/new", data=update_form(status="stalled", as_of="2021-06-01"))
    # Backfilled later, about an earlier date: it does not become the current status.
    client.post(f"{URL}/updates/new", data=update_form(status="no_action", as_of="2020-01-20"))
    page = client.get(URL).get_data(as_text=True)
    timeline = page[page.index('<ol class="timeline">') :]
    order = [timeline.index(day) for day in ("2021-06-01", "2020-03-01", "2020-01-20")]
    assert order == sorted(order)
    assert 'Current status: <span class="badge status-stalled">Stalled</span>' in squash(page)
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "status_update.create")
    ).all()
    assert len(actions) == 3


def test_page_costs_the_same_statements_with_10_or_500_updates(
    client: FlaskClient, analyst, db: Session, count_statements
) -> None:
    add_updates(db, analyst, SLUG, 10)
    client.get("/corrections")  # the first request after login also settles the session
    counter = count_statements()
    assert client.get(URL).status_code == 200
    with_10 = counter.count
    add_updates(db, analyst, SLUG, 490)
    counter = count_statements()
    page = client.get(URL)
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="update"') == 50  # a page of them
    assert "Older updates" in page.get_data(as_text=True)
    assert counter.count == with_10


def revise(db: Session, editor: User, every: int) -> None:
    """Correct every `every`th update of the recommendation twice, retract the one after, and
    review it once for each: a history whose updates carry revisions and reviews."""
    found = db.scalars(
        select(StatusUpdate)
        .where(StatusUpdate.recommendation.has(Recommendation.slug == SLUG))
        .where(StatusUpdate.revision == 1, StatusUpdate.retracted_at.is_(None))
        .options(selectinload(StatusUpdate.evidence))
        .order_by(StatusUpdate.id)
    ).all()
    recommendation = load_recommendation(db, SLUG)
    for number, update in enumerate(found[::every]):
        for times in (1, 2):
            correct_status_update(
                db, update, editor=editor, status=Status.STALLED, as_of=update.as_of,
                assessment=f"Corrected {times}.", confidence=Confidence.LOW, reason="Misread.",
            )  # fmt: skip
        record_review(db, recommendation, reviewer=editor, checked_on=update.as_of)
        if (following := found.index(update) + 1) < len(found) and number % 2:
            retract_status_update(db, found[following], editor=editor, reason="Wrong.")
    db.commit()


def test_page_statements_stay_the_same_with_revisions_reviews_and_every_view(
    client: FlaskClient, db: Session, make_user, auth, count_statements
) -> None:
    editor = make_user(Role.EDITOR)
    auth.login(editor)
    add_updates(db, editor, SLUG, 60)
    revise(db, editor, 5)
    client.get("/corrections")  # the first request after login also settles the session
    today = dt.date.today().isoformat()
    views = ["", "?lang=ar", f"?known_on={today}", "?as_of=2020-02-05", "?window=all&page=2"]
    counts = {}
    for view in views:
        counter = count_statements()
        assert client.get(URL + view).status_code == 200
        counts[view] = counter.count
    # The timeline's updates, their revisions and their evidence take one statement each.
    assert max(counts.values()) <= 24
    add_updates(db, editor, SLUG, 100, start=dt.date(2020, 4, 1))
    revise(db, editor, 4)
    for view in views:
        counter = count_statements()
        page = client.get(URL + view)
        assert page.status_code == 200
        assert counter.count == counts[view], view
    page = client.get(URL).get_data(as_text=True)
    assert 'class="update retracted"' in page and 'class="revisions"' in page


def test_a_refused_update_leads_with_an_error_summary_linking_each_field(
    client: FlaskClient, db: Session, analyst
) -> None:
    page = client.post(
        f"{URL}/updates/new",
        data=update_form(evidence_row(0, title="", url=""), status="", confidence=""),
    ).get_data(as_text=True)
    assert "<title>Error: Log status update" in page
    summary = page[page.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    main = page[page.index('<main id="main">') :]
    assert main.index('class="error-summary"') < main.index("<h1>")  # at the top of the page
    assert "autofocus" in page[page.index('<div class="error-summary"') :][:200]
    assert '<a href="#status-0">Status: Choose a status.</a>' in summary
    assert '<a href="#confidence-0">Confidence: Choose your confidence.</a>' in summary
    assert '<a href="#evidence-0-title">Evidence 1, Title: This field is required.</a>' in summary
    links = re.findall(r'<a href="#([\w-]+)">', summary)
    assert links == sorted(links, key=lambda target: page.index(f'id="{target}"'))  # page order
    for target in ("status-0", "confidence-0", "evidence-0-title"):
        assert f'id="{target}"' in page  # each link has a field to land on
    assert "Error:" not in client.get(f"{URL}/updates/new").get_data(as_text=True)


def test_every_refused_form_has_the_summary_and_the_title(client: FlaskClient, analyst) -> None:
    page = client.post("/account", data={"current_password": "wrong"}).get_data(as_text=True)
    assert "<title>Error: " in page
    assert 'href="#password"' in page
    # The current password is checked (and counted) only once the rest of the form holds.
    new = "a long and unusual passphrase"
    data = {"current_password": "wrong", "password": new, "confirm": new}
    page = client.post("/account", data=data).get_data(as_text=True)
    assert "<title>Error: " in page
    assert 'href="#current_password"' in page


def test_enter_saves_the_update_rather_than_adding_a_row(client: FlaskClient, analyst) -> None:
    page = client.get(f"{URL}/updates/new").get_data(as_text=True)
    form = page[page.index('<form method="post"') :]
    first_button = re.search(r"<(button|input)[^>]*type=\"submit\"[^>]*>", form)
    assert first_button is not None
    assert 'name="save"' in first_button.group(0)  # what Enter presses: the form's first one
    add = re.search(r"<button[^>]*data-add-row[^>]*>", page)
    assert add is not None and 'class="secondary"' in add.group(0)
    assert 'src="/static/tracker.js"' in page


def test_rows_are_removed_without_javascript_and_land_where_they_were(
    client: FlaskClient, db: Session, analyst
) -> None:
    data = update_form(
        evidence_row(0, title="First"),
        evidence_row(1, title="Second"),
        evidence_row(2, title="Third"),
    )
    data.pop("save")
    page = client.post(f"{URL}/updates/new", data=data | {"remove_evidence": "1"}).get_data(
        as_text=True
    )
    assert 'value="First"' in page and 'value="Third"' in page
    assert 'value="Second"' not in page
    assert 'name="evidence-2-url"' not in page  # the rows are numbered afresh
    assert "Remove evidence 2" in page and "Remove evidence 3" not in page
    add = re.search(r"<button[^>]*data-add-row[^>]*>", page)
    assert add is not None and f'formaction="{URL}/updates/new#evidence-2"' in add.group(0)
    assert stored_updates(db) == 0

    one = update_form(evidence_row(0))
    one.pop("save")
    page = client.post(f"{URL}/updates/new", data=one).get_data(as_text=True)
    assert "Remove evidence 1" not in page  # an update keeps at least one row


def test_a_link_without_its_scheme_gets_https_and_says_so(
    client: FlaskClient, db: Session, analyst
) -> None:
    response = client.post(
        f"{URL}/updates/new",
        data=update_form(evidence_row(0, url="www.treasury.gov/news/sanctions")),
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Status update logged." in page
    assert "https:// was added in front of “www.treasury.gov/news/sanctions”" in page
    assert db.scalars(select(Evidence.url)).one() == "https://www.treasury.gov/news/sanctions"


def test_a_bad_link_gets_one_message(client: FlaskClient, db: Session, analyst) -> None:
    for url, message in [
        ("javascript:alert(1)", "Use a link that starts with http:// or https://."),
        ("ftp://example.org/x", "Use a link that starts with http:// or https://."),
        ("https://exa mple", "Enter a full link, such as https://www.example.org/page."),
    ]:
        page = client.post(
            f"{URL}/updates/new", data=update_form(evidence_row(0, url=url))
        ).get_data(as_text=True)
        errors = re.findall(r'<p class="error" id="evidence-0-url-error">(.*?)</p>', page)
        assert errors == [html.escape(message, quote=False)]
    assert stored_updates(db) == 0
