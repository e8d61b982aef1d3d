"""A source's report card, and editors' versioned changes to it."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.catalogue import slug_from
from tracker.models import Actor, AuditEvent, ContentVersion, Recommendation, Source, Theme
from tracker.vocabulary import Role, Status

from .helpers import SLUG, add_updates, form_fields, squash

SOURCE = "/sources/mei-2020-real-cost-us-iran-escalation-iraq"


def edit_form(client: FlaskClient) -> dict[str, object]:
    data = form_fields(client.get(f"{SOURCE}/edit").get_data(as_text=True))
    data.pop("csrf_token", None)
    return data


def test_report_card_lists_every_recommendation_with_its_status(
    client: FlaskClient, db: Session, analyst
) -> None:
    add_updates(db, analyst, SLUG, 1, status=Status.IMPLEMENTED)
    page = squash(client.get(SOURCE).get_data(as_text=True))
    assert (
        "Omar al-Nidawi, <cite>The real cost of US-Iran escalation in Iraq</cite>,"
        " Middle East Institute, January 2020" in page
    )
    titles = db.scalars(select(Recommendation.title).order_by(Recommendation.position)).all()
    positions = [page.index(str(escape(title))) for title in titles]
    assert positions == sorted(positions)
    assert (
        '<span class="badge status-implemented">Implemented</span></a>'
        ' <strong class="count">1</strong>' in page
    )
    assert client.get("/sources/no-such-source").status_code == 404


def test_editor_edits_the_citation_with_history(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    data = edit_form(client)
    assert data["published_on"] == "2020-01-01" and data["date_precision"] == "month"
    data["publisher"] = "The Middle East Institute"
    assert client.post(f"{SOURCE}/edit", data=data).status_code == 302
    history = squash(client.get(f"{SOURCE}/history").get_data(as_text=True))
    assert "Changes from version 1 to version 2" in history
    assert '<ins title="Version 2">The</ins>' in history
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "source.edit")).one().after == {
        "publisher": "The Middle East Institute", "version": 2,
    }  # fmt: skip


def test_full_text_must_keep_every_passage(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    data = edit_form(client)
    data["text"] = str(data["text"]).replace("Priority should be given", "Priority went")
    page = client.post(f"{SOURCE}/edit", data=data).get_data(as_text=True)
    assert (
        "must contain every recommendation&#39;s passage; missing: Resume anti-ISIS cooperation"
        in page
    )
    assert db.scalars(select(Source.version)).one() == 1


def test_only_http_links_and_real_dates(client: FlaskClient, db: Session, make_user, auth) -> None:
    auth.login(make_user(Role.EDITOR))
    data = edit_form(client) | {"url": "javascript:alert(1)", "published_on": "2020-13-01"}
    page = client.post(f"{SOURCE}/edit", data=data).get_data(as_text=True)
    assert "Use a link that starts with http:// or https://." in page
    assert "Not a valid date value." in page
    assert db.scalars(select(Source.url)).one().startswith("https://www.mei.edu/")


def test_concurrent_source_edit_is_refused(
    client: FlaskClient, app, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    stale = edit_form(client)
    fresh = edit_form(client) | {"author": "O. al-Nidawi"}
    assert client.post(f"{SOURCE}/edit", data=fresh).status_code == 302
    page = squash(
        client.post(f"{SOURCE}/edit", data=stale | {"title": "Another title"}).get_data(
            as_text=True
        )
    )
    assert "Someone saved version 2 while you were editing." in page
    db.rollback()
    assert db.scalars(select(Source.title)).one() == "The real cost of US-Iran escalation in Iraq"


def test_analysts_cannot_edit_sources(client: FlaskClient, analyst) -> None:
    assert client.get(f"{SOURCE}/edit").status_code == 403
    assert client.post(f"{SOURCE}/edit", data={}).status_code == 403


SECOND_TEXT = (
    "Baghdad should open a standing channel to the Kurdistan Regional Government on revenue. "
    "The United Nations should convene quarterly talks on the disputed territories."
)


def new_source_form(**overrides: str) -> dict[str, str]:
    return {
        "title": "Iraq after the protests",
        "kind": "report",
        "author": "A. Researcher",
        "publisher": "Example Institute",
        "url": "https://example.org/iraq-after-the-protests",
        "published_on": "2021-03-01",
        "date_precision": "month",
        "text": SECOND_TEXT,
    } | overrides


def new_recommendation_form(db: Session, **overrides: object) -> dict[str, object]:
    theme = db.scalars(select(Theme.id).where(Theme.slug == "political-transition")).one()
    actor = db.scalars(select(Actor.id).where(Actor.slug == "government-of-iraq")).one()
    return {
        "title": "Open a revenue channel with the KRG",
        "summary": "A standing channel between Baghdad and Erbil on oil revenue.",
        "passage": "Baghdad should open a standing channel to the Kurdistan Regional Government"
        " on revenue.",
        "theme": str(theme),
        "actors": [str(actor)],
        "save": "Add recommendation",
    } | overrides


def test_editor_adds_a_second_source_and_its_recommendations(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    assert 'href="/sources/new"' in client.get("/sources/").get_data(as_text=True)
    response = client.post("/sources/new", data=new_source_form())
    assert response.headers["Location"] == "/sources/iraq-after-the-protests/recommendations/new"

    form = new_recommendation_form(db) | {"add_another": "Add and start another"}
    form.pop("save")
    response = client.post(response.headers["Location"], data=form)
    assert response.headers["Location"] == "/sources/iraq-after-the-protests/recommendations/new"
    response = client.post(
        "/sources/iraq-after-the-protests/recommendations/new",
        data=new_recommendation_form(
            db, title="Convene talks on disputed territories", slug="disputed-territories-talks",
            summary="Quarterly UN talks.",
            passage=(
                "The United Nations should convene quarterly talks on the disputed territories."
            ),
        ),
    )  # fmt: skip
    assert response.headers["Location"] == "/sources/iraq-after-the-protests"

    card = squash(client.get("/sources/iraq-after-the-protests").get_data(as_text=True))
    assert (
        "A. Researcher, <cite>Iraq after the protests</cite>,"
        " Example Institute, March 2021 (report)" in card
    )
    row = (
        '<td data-label="#">{}</td> <td data-label="Recommendation"><a href="/recommendations/{}">'
    )
    assert row.format(1, "open-a-revenue-channel-with-the-krg") in card
    assert row.format(2, "disputed-territories-talks") in card
    assert "Government of Iraq" in card
    listing = squash(client.get("/sources/").get_data(as_text=True))
    assert '<a href="/sources/iraq-after-the-protests">Iraq after the protests</a>' in listing
    assert "Open a revenue channel with the KRG" in client.get(
        "/?theme=political-transition"
    ).get_data(as_text=True)
    db.rollback()
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["source.create", "recommendation.create", "recommendation.create"]
    source = db.scalars(select(Source).where(Source.slug == "iraq-after-the-protests")).one()
    added = db.scalars(select(Recommendation.id).where(Recommendation.source_id == source.id)).all()
    first_versions = db.execute(
        select(ContentVersion.entity_type, ContentVersion.number).where(
            ((ContentVersion.entity_type == "source") & (ContentVersion.entity_id == source.id))
            | (
                (ContentVersion.entity_type == "recommendation")
                & ContentVersion.entity_id.in_(added)
            )
        )
    ).all()
    assert sorted(first_versions) == [("recommendation", 1), ("recommendation", 1), ("source", 1)]


def test_a_passage_not_in_the_full_text_says_where_it_differs(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    client.post("/sources/new", data=new_source_form())
    passage = (
        "Baghdad should open a permanent channel to the Kurdistan Regional Government on revenue."
    )
    response = client.post(
        "/sources/iraq-after-the-protests/recommendations/new",
        data=new_recommendation_form(db, passage=passage),
    )
    assert response.status_code == 200
    page = squash(response.get_data(as_text=True))
    assert (
        '<p class="error" id="passage-error">'
        "The passage is not in the source&#39;s full text: it matches up to "
        "“Baghdad should open a” and differs from “permanent”.</p>"
    ) in page
    assert "permanent channel" in page  # what the editor typed is kept
    db.rollback()
    assert (
        db.scalar(
            select(func.count())
            .select_from(Recommendation)
            .where(Recommendation.source.has(slug="iraq-after-the-protests"))
        )
        == 0
    )


def test_a_source_without_full_text_takes_any_passage(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    client.post("/sources/new", data=new_source_form(text=""))
    response = client.post(
        "/sources/iraq-after-the-protests/recommendations/new",
        data=new_recommendation_form(db, passage="Words that no full text can contradict."),
    )
    assert response.status_code == 302


def test_a_new_source_with_bad_fields_is_refused_field_by_field(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    bad = new_source_form(
        title="", url="ftp://example.org/x", published_on="2999-01-01", slug="Not A Slug"
    )
    page = squash(client.post("/sources/new", data=bad).get_data(as_text=True))
    assert '<p class="error" id="title-error">This field is required.</p>' in page
    assert (
        '<p class="error" id="url-error">Use a link that starts with http:// or https://.' in page
    )
    assert '<p class="error" id="published_on-error">The date cannot be in the future.</p>' in page
    assert "Example Institute" in page
    taken = new_source_form(slug="mei-2020-real-cost-us-iran-escalation-iraq")
    page = squash(client.post("/sources/new", data=taken).get_data(as_text=True))
    assert (
        '<p class="error" id="slug-error">'
        "The slug “mei-2020-real-cost-us-iran-escalation-iraq” is already taken.</p>"
    ) in page
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Source)) == 1


def test_a_recommendation_needs_an_actor_and_a_free_slug(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    client.post("/sources/new", data=new_source_form())
    url = "/sources/iraq-after-the-protests/recommendations/new"
    page = squash(
        client.post(url, data=new_recommendation_form(db, actors=[])).get_data(as_text=True)
    )
    assert '<p class="error" id="actors-error">Choose at least one actor.</p>' in page
    page = squash(
        client.post(url, data=new_recommendation_form(db, slug=SLUG)).get_data(as_text=True)
    )
    assert f'<p class="error" id="slug-error">The slug “{SLUG}” is already taken.</p>' in page


def test_only_editors_add_sources_and_recommendations(client: FlaskClient, analyst) -> None:
    assert "Add a source" not in client.get("/sources/").get_data(as_text=True)
    assert client.get("/sources/new").status_code == 403
    assert client.post("/sources/new", data=new_source_form()).status_code == 403
    assert client.post(f"{SOURCE}/recommendations/new", data={}).status_code == 403


def test_slugs_made_from_titles_are_short_plain_words() -> None:
    assert slug_from("Iraq’s next government: what now?") == "iraqs-next-government-what-now"
    assert slug_from("Government of Türkiye") == "government-of-turkiye"
    long = slug_from("word " * 40)
    assert len(long) <= 60 and long.startswith("word-word") and not long.endswith("-")
    assert slug_from("العراق") == ""  # nothing to make one from: the form asks for a slug


def test_a_source_link_without_its_scheme_gets_https_and_says_so(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    data = new_source_form(url="www.example.org/iraq-after-the-protests")
    page = client.post("/sources/new", data=data, follow_redirects=True).get_data(as_text=True)
    assert "Source added." in page
    assert "https:// was added in front of “www.example.org/iraq-after-the-protests”" in page
    assert "https://www.example.org/iraq-after-the-protests" in db.scalars(select(Source.url)).all()
    bad = client.post("/sources/new", data=new_source_form(url="ftp://example.org/x"))
    errors = re.findall(r'<p class="error" id="url-error">(.*?)</p>', bad.get_data(as_text=True))
    assert errors == ["Use a link that starts with http:// or https://."]
