"""The public site: what an anonymous reader sees, review before publishing, caching, sharing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import (
    Actor,
    AuditEvent,
    ContentVersion,
    Recommendation,
    Source,
    StatusUpdate,
    Theme,
    User,
    utcnow,
)
from tracker.recommendations.operations import create_recommendation
from tracker.sources.operations import create_source
from tracker.status_updates import (
    EvidenceInput,
    approve_status_update,
    correct_status_update,
    record_status_update,
)
from tracker.vocabulary import (
    Confidence,
    Credibility,
    DatePrecision,
    Reliability,
    Role,
    SourceKind,
    Stance,
    Status,
)

from .helpers import PASSWORD, SLUG, add_updates, squash

SOURCE = "mei-2020-real-cost-us-iran-escalation-iraq"
HIDDEN_SOURCE = "hidden-report"
HIDDEN_SLUG = "hidden-recommendation"
HIDDEN_TITLE = "A recommendation nobody outside may see"


@pytest.fixture
def public_app(app: Flask, db: Session, make_user: Callable[..., User]) -> Flask:
    """A public site: the seeded source published with two approved updates, and an
    unpublished source with one of its own."""
    app.config.update(PUBLIC=True, EMBED_ORIGINS=["http://embedder.example"])
    analyst = make_user(Role.ANALYST, name="Ana Lyst", email="ana@example.org")
    editor = make_user(Role.EDITOR, name="Edi Tor", email="edi@example.org")
    source = db.scalars(select(Source).where(Source.slug == SOURCE)).one()
    source.published = True
    hidden = create_source(
        db, slug=HIDDEN_SOURCE, kind=SourceKind.REPORT, title="A hidden report",
        author="Someone", publisher="Nobody", url="https://hidden.example/report",
        published_on=dt.date(2021, 1, 1), date_precision=DatePrecision.DAY, text=None, by=None,
    )  # fmt: skip
    create_recommendation(
        db, hidden, slug=HIDDEN_SLUG, title=HIDDEN_TITLE, summary="Secret summary.",
        passage="Secret passage.", theme=db.scalars(select(Theme)).first(),
        actors=[db.scalars(select(Actor)).first()], condition=None, by=None,
    )  # fmt: skip
    db.commit()
    add_updates(db, analyst, SLUG, 2, status=Status.IN_PROGRESS)
    add_updates(db, analyst, HIDDEN_SLUG, 1)
    for update in db.scalars(select(StatusUpdate)):
        approve_status_update(db, update, editor=editor)
    db.commit()
    return app


def anonymous_get(client: FlaskClient, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
    response = client.get(url, **kwargs)
    assert "Set-Cookie" not in response.headers, url
    return response


def log_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


PUBLIC_PAGES = [
    "/",
    "/regressions",
    "/swimlane",
    "/compare",
    f"/recommendations/{SLUG}",
    "/sources/",
    f"/sources/{SOURCE}",
    "/corrections",
    "/report",
    f"/sources/{SOURCE}/report",
    "/search?q=development",
    "/feeds/updates.atom",
    f"/feeds/sources/{SOURCE}.atom",
    f"/feeds/recommendations/{SLUG}.atom",
    "/api/v1/",
    "/api/v1/sources",
    f"/api/v1/sources/{SOURCE}",
    "/api/v1/recommendations",
    f"/api/v1/recommendations/{SLUG}",
    f"/api/v1/recommendations/{SLUG}/updates",
    f"/api/v1/recommendations/{SLUG}/targets",
    "/api/v1/search?q=development",
    f"/recommendations/{SLUG}/badge.svg",
    f"/embed/recommendations/{SLUG}",
    "/sitemap.xml",
    "/robots.txt",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_an_anonymous_reader_reads_the_public_site_without_a_cookie(
    public_app: Flask, url: str
) -> None:
    # CSRF on, as served: a form's token would start a session, and send a cookie.
    public_app.config["WTF_CSRF_ENABLED"] = True
    client = public_app.test_client()
    response = anonymous_get(client, url)
    assert response.status_code == 200, url
    assert response.headers["Cache-Control"] == "public, max-age=60, s-maxage=300"
    assert {"Cookie", "Accept-Language"} <= set(response.vary)
    body = response.get_data(as_text=True)
    for secret in (HIDDEN_TITLE, HIDDEN_SLUG, HIDDEN_SOURCE, "@example.org", "Ana Lyst"):
        assert secret not in body, (url, secret)
    assert client.get_cookie("session") is None


def test_unpublished_sources_answer_404_to_the_public(public_app: Flask) -> None:
    client = public_app.test_client()
    for url in (
        f"/recommendations/{HIDDEN_SLUG}",
        f"/sources/{HIDDEN_SOURCE}",
        f"/sources/{HIDDEN_SOURCE}/report",
        f"/feeds/sources/{HIDDEN_SOURCE}.atom",
        f"/feeds/recommendations/{HIDDEN_SLUG}.atom",
        f"/api/v1/sources/{HIDDEN_SOURCE}",
        f"/api/v1/recommendations/{HIDDEN_SLUG}",
        f"/api/v1/recommendations/{HIDDEN_SLUG}/updates",
        f"/recommendations/{HIDDEN_SLUG}/badge.svg",
        f"/embed/recommendations/{HIDDEN_SLUG}",
    ):
        response = anonymous_get(client, url)
        assert response.status_code == 404, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_inside_everything_shows_as_before(public_app: Flask) -> None:
    client = log_in(public_app, "ana@example.org")
    for url in (
        "/",
        f"/recommendations/{HIDDEN_SLUG}",
        "/api/v1/recommendations",
        "/feeds/updates.atom",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
        assert HIDDEN_TITLE in response.get_data(as_text=True), url
    assert "Ana Lyst" in client.get(f"/recommendations/{SLUG}").get_data(as_text=True)


def test_what_the_public_never_reaches(public_app: Flask) -> None:
    """Inside pages, the audit log, exports, history and every write stay login-only."""
    client = public_app.test_client()
    for url in (
        "/audit",
        "/me",
        "/notifications",
        "/changes",
        "/review",
        "/export/tracker.json",
        "/export/updates.csv",
        f"/recommendations/{SLUG}/history",
        f"/sources/{SOURCE}/history",
        f"/recommendations/{SLUG}/updates/new",
        "/actors/",
        "/account",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"], url
    response = client.post(f"/recommendations/{SLUG}/updates/new", data={})
    assert response.status_code in (302, 400)
    assert client.get("/account/tokens").status_code == 302


def test_the_public_pages_show_no_inside_controls(public_app: Flask) -> None:
    client = public_app.test_client()
    page = squash(anonymous_get(client, f"/recommendations/{SLUG}").get_data(as_text=True))
    for inside in ("Edit history", "Watch", "Owner", "Log status update", "csrf_token", "Log out"):
        assert inside not in page, inside
    assert "Log in" in page
    assert "by Analyst" in page  # TRACKER_PUBLIC_AUTHORS defaults to "role"


@pytest.mark.parametrize(
    ("authors", "shown", "absent"),
    [("name", "by Ana Lyst", ["by Analyst"]), ("role", "by Analyst", ["Ana Lyst"]),
     ("none", None, ["Ana Lyst", "by Analyst"])],
)  # fmt: skip
def test_authors_are_shown_as_the_setting_says(
    public_app: Flask, authors: str, shown: str | None, absent: list[str]
) -> None:
    public_app.config["PUBLIC_AUTHORS"] = authors
    client = public_app.test_client()
    page = squash(client.get(f"/recommendations/{SLUG}").get_data(as_text=True))
    api = client.get(f"/api/v1/recommendations/{SLUG}/updates").get_data(as_text=True)
    if shown:
        assert shown in page
    for text in absent:
        assert text not in page and text not in api
    names = {entry["author"]["name"] if entry["author"] else None for entry in
             client.get(f"/api/v1/recommendations/{SLUG}/updates").json["items"]}  # fmt: skip
    assert names == {"name": {"Ana Lyst"}, "role": {"Analyst"}, "none": {None}}[authors]


def test_without_public_nothing_changes(public_app: Flask) -> None:
    public_app.config["PUBLIC"] = False
    client = public_app.test_client()
    for url in ("/", f"/recommendations/{SLUG}", f"/recommendations/{SLUG}/badge.svg"):
        response = client.get(url)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    assert client.get("/api/v1/recommendations").status_code == 401
    assert client.get("/sitemap.xml").status_code == 404
    robots = client.get("/robots.txt")
    assert robots.get_data(as_text=True) == "User-agent: *\nDisallow: /\n"


def test_robots_and_sitemap_name_only_published_pages(public_app: Flask) -> None:
    client = public_app.test_client()
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Allow: /" in robots and "Sitemap: http://localhost/sitemap.xml" in robots
    sitemap = client.get("/sitemap.xml")
    assert sitemap.mimetype == "application/xml"
    body = sitemap.get_data(as_text=True)
    assert f"<loc>http://localhost/recommendations/{SLUG}</loc>" in body
    assert f"<loc>http://localhost/sources/{SOURCE}</loc>" in body
    assert HIDDEN_SLUG not in body and HIDDEN_SOURCE not in body
    # Whoever asks: a logged-in editor's sitemap is the public one.
    inside = log_in(public_app, "edi@example.org").get("/sitemap.xml").get_data(as_text=True)
    assert HIDDEN_SLUG not in inside


def test_pages_carry_canonical_links_a_description_and_open_graph(public_app: Flask) -> None:
    client = public_app.test_client()
    page = client.get(f"/recommendations/{SLUG}?as_of=2021-01-01").get_data(as_text=True)
    assert f'<link rel="canonical" href="http://localhost/recommendations/{SLUG}">' in page
    assert '<meta name="description" content="' in page
    assert '<meta property="og:title" content="' in page
    assert f'<meta property="og:url" content="http://localhost/recommendations/{SLUG}">' in page
    source = client.get(f"/sources/{SOURCE}").get_data(as_text=True)
    assert '<meta property="og:title" content="The real cost of US-Iran escalation' in source
    assert '<meta name="description"' in source
    public_app.config["BASE_URL"] = "https://tracker.example.org/"
    page = client.get(f"/sources/{SOURCE}?as_of=2021-01-01").get_data(as_text=True)
    assert f'<link rel="canonical" href="https://tracker.example.org/sources/{SOURCE}">' in page


def test_each_language_is_a_page_of_its_own_that_names_the_others(public_app: Flask) -> None:
    client = public_app.test_client()
    address = f"http://localhost/recommendations/{SLUG}"
    for asked in ("", "?lang=en", "?lang=ar&as_of=2021-01-01"):
        page = client.get(f"/recommendations/{SLUG}{asked}").get_data(as_text=True)
        links = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page)
        assert links == [
            ("en", f"{address}?lang=en"),
            ("ar", f"{address}?lang=ar"),
            ("x-default", address),
        ]
    assert f'<link rel="canonical" href="{address}?lang=ar">' in page


def test_public_pages_answer_304_to_their_etag(public_app: Flask) -> None:
    client = public_app.test_client()
    first = client.get(f"/recommendations/{SLUG}")
    etag = first.headers["ETag"]
    again = client.get(f"/recommendations/{SLUG}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Cache-Control"].startswith("public")
    # Inside, the same address is another page with another tag.
    inside_client = log_in(public_app, "ana@example.org")
    inside_client.get("/")  # the login's welcome is shown once
    inside = inside_client.get(f"/recommendations/{SLUG}")
    assert inside.headers["ETag"] != etag
    assert inside.headers["Cache-Control"] == "no-store"


# Review before publishing.


def new_update(db: Session, author_email: str, status: Status = Status.STALLED) -> StatusUpdate:
    author = db.scalars(select(User).where(User.email == author_email)).one()
    add_updates(db, author, SLUG, 1, status=status, start=dt.date(2020, 6, 1),
                change_reason="It stopped.")  # fmt: skip
    return db.scalars(select(StatusUpdate).order_by(StatusUpdate.id.desc())).first()  # type: ignore[return-value]


def test_an_update_awaiting_review_is_invisible_to_the_public(
    public_app: Flask, db: Session
) -> None:
    update = new_update(db, "ana@example.org")
    public = public_app.test_client()
    page = public.get(f"/recommendations/{SLUG}").get_data(as_text=True)
    assert f'id="update-{update.id}"' not in page
    assert "Stalled" not in page
    listed = public.get(f"/api/v1/recommendations/{SLUG}/updates").json["items"]
    assert update.id not in {item["id"] for item in listed} and len(listed) == 2
    assert public.get(f"/api/v1/recommendations/{SLUG}").json["status"]["value"] == "in_progress"
    assert "Stalled" not in public.get(f"/recommendations/{SLUG}/badge.svg").get_data(as_text=True)
    assert "It stopped" not in public.get("/feeds/updates.atom").get_data(as_text=True)
    # Inside, everyone sees it with its review state.
    inside = squash(
        log_in(public_app, "ana@example.org").get(f"/recommendations/{SLUG}").get_data(as_text=True)
    )
    assert f'id="update-{update.id}"' in inside
    assert "Awaiting review" in inside
    assert "Approve for the public" not in inside  # not by its author


def test_an_editor_other_than_the_author_approves_it(public_app: Flask, db: Session) -> None:
    update = new_update(db, "edi@example.org")
    editor = log_in(public_app, "edi@example.org")
    queue = editor.get("/review").get_data(as_text=True)
    assert f'id="update-{update.id}"' in queue and "Your own update" in queue
    refused = editor.post(f"/review/{update.id}/approve", data={}, follow_redirects=True)
    assert "approved by an editor other than its author" in refused.get_data(as_text=True)
    db.rollback()  # see what the requests committed
    assert db.get_one(StatusUpdate, update.id).approved_at is None

    other = log_in_as_new_editor(public_app, db)
    response = other.post(f"/review/{update.id}/approve", data={"next": f"/recommendations/{SLUG}"})
    assert (
        response.status_code == 302 and response.headers["Location"] == f"/recommendations/{SLUG}"
    )
    db.rollback()  # see what the requests committed
    approved = db.get_one(StatusUpdate, update.id)
    assert approved.approved_at is not None
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "status_update.approve")
                       .order_by(AuditEvent.id.desc())).first()  # fmt: skip
    assert event is not None and event.target_id == update.id
    public = public_app.test_client()
    page = public.get(f"/recommendations/{SLUG}").get_data(as_text=True)
    assert f'id="update-{update.id}"' in page
    assert public.get(f"/api/v1/recommendations/{SLUG}").json["status"]["value"] == "stalled"
    inside = squash(other.get(f"/recommendations/{SLUG}").get_data(as_text=True))
    assert "Approved</span> by Second Editor on" in inside
    assert "Nothing awaits review" in other.get("/review").get_data(as_text=True)
    # Once only.
    again = other.post(f"/review/{update.id}/approve", data={}, follow_redirects=True)
    assert "already approved" in again.get_data(as_text=True)


def test_an_approval_says_whether_the_public_sees_the_update(
    public_app: Flask, db: Session
) -> None:
    analyst = db.scalars(select(User).where(User.email == "ana@example.org")).one()
    add_updates(db, analyst, SLUG, 1, start=dt.date(2021, 6, 1))
    add_updates(db, analyst, HIDDEN_SLUG, 2, start=dt.date(2021, 6, 1))
    shown, hidden, private = db.scalars(
        select(StatusUpdate.id).where(StatusUpdate.approved_at.is_(None)).order_by(StatusUpdate.id)
    ).all()
    editor = log_in(public_app, "edi@example.org")

    def approve(update_id: int) -> str:
        page = editor.post(f"/review/{update_id}/approve", data={}, follow_redirects=True)
        return page.get_data(as_text=True)

    assert "Approved: the public sees this update now." in approve(shown)
    assert "the public will see this update once its source is published." in approve(hidden)
    public_app.config["PUBLIC"] = False
    assert "The site is not public: nobody outside sees the update." in approve(private)


def log_in_as_new_editor(app: Flask, db: Session) -> FlaskClient:
    from tracker.auth.services import create_user

    db.rollback()  # a read begun before the requests' writes cannot write
    create_user(db, email="second@example.org", name="Second Editor", password=PASSWORD,
                role=Role.EDITOR, by=None)  # fmt: skip
    db.commit()
    return log_in(app, "second@example.org")


def test_viewers_and_analysts_cannot_approve(public_app: Flask, db: Session) -> None:
    update = new_update(db, "edi@example.org")
    analyst = log_in(public_app, "ana@example.org")
    assert analyst.post(f"/review/{update.id}/approve", data={}).status_code == 403
    assert analyst.get("/review").status_code == 403


def test_for_the_public_known_on_counts_from_the_approval(public_app: Flask, db: Session) -> None:
    analyst = db.scalars(select(User).where(User.email == "ana@example.org")).one()
    editor = db.scalars(select(User).where(User.email == "edi@example.org")).one()
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    # Logged ten days ago, approved three days ago.
    logged = utcnow() - dt.timedelta(days=10)
    update = record_status_update(
        db, recommendation, author=analyst, status=Status.STALLED, as_of=dt.date(2020, 6, 1),
        assessment="It stopped.", confidence=Confidence.MODERATE, change_reason="It stopped.",
        evidence=[EvidenceInput(url="https://news.example.org/x", title="X", publisher="P",
                                excerpt="E.", stance=Stance.SUPPORTS, reliability=Reliability.B,
                                credibility=Credibility.PROBABLE)],
        now=logged,
    )  # fmt: skip
    approve_status_update(db, update, editor=editor, now=logged + dt.timedelta(days=7))
    db.commit()
    public = public_app.test_client()
    before = (logged + dt.timedelta(days=2)).date().isoformat()
    after = (logged + dt.timedelta(days=8)).date().isoformat()
    page = public.get(f"/recommendations/{SLUG}?known_on={before}").get_data(as_text=True)
    assert f'id="update-{update.id}"' not in page
    page = public.get(f"/recommendations/{SLUG}?known_on={after}").get_data(as_text=True)
    assert f'id="update-{update.id}"' in page
    board = public.get(f"/?known_on={before}").get_data(as_text=True)
    assert 'id="count-stalled">0</strong>' in board
    board = public.get(f"/?known_on={after}").get_data(as_text=True)
    assert 'id="count-stalled">1</strong>' in board
    inside = log_in(public_app, "ana@example.org")
    page = inside.get(f"/recommendations/{SLUG}?known_on={before}").get_data(as_text=True)
    assert f'id="update-{update.id}"' in page


def test_a_correction_of_an_approved_update_reaches_the_public_log_at_once(
    public_app: Flask, db: Session
) -> None:
    update = db.scalars(
        select(StatusUpdate).join(StatusUpdate.recommendation).where(Recommendation.slug == SLUG)
    ).first()
    assert update is not None
    analyst = db.get_one(User, update.author_id)
    correct_status_update(
        db, update, editor=analyst, status=Status.PARTIAL, as_of=update.as_of,
        assessment="Partly done after all.", confidence=Confidence.HIGH,
        reason="A ministry statement was misread",
    )  # fmt: skip
    db.commit()
    log = public_app.test_client().get("/corrections").get_data(as_text=True)
    assert "A ministry statement was misread" in log
    # A correction of an update the public does not see stays out of its log.
    hidden = db.scalars(
        select(StatusUpdate)
        .join(StatusUpdate.recommendation)
        .where(Recommendation.slug == HIDDEN_SLUG)
    ).one()
    correct_status_update(
        db, hidden, editor=analyst, status=Status.STALLED, as_of=hidden.as_of,
        assessment="Hidden.", confidence=Confidence.HIGH, reason="A hidden correction",
    )  # fmt: skip
    db.commit()
    assert "A hidden correction" not in public_app.test_client().get("/corrections").get_data(
        as_text=True
    )


def test_review_can_be_turned_off(public_app: Flask, db: Session) -> None:
    public_app.config["PUBLIC_REVIEW"] = False
    update = new_update(db, "ana@example.org")
    page = public_app.test_client().get(f"/recommendations/{SLUG}").get_data(as_text=True)
    assert f'id="update-{update.id}"' in page


# Publishing a source: an editor's edit, versioned and audited.


def test_an_editor_publishes_a_source_through_its_form(public_app: Flask, db: Session) -> None:
    public = public_app.test_client()
    assert public.get(f"/sources/{HIDDEN_SOURCE}").status_code == 404
    editor = log_in(public_app, "edi@example.org")
    form = editor.get(f"/sources/{HIDDEN_SOURCE}/edit").get_data(as_text=True)
    assert 'name="published"' in form
    source = db.scalars(select(Source).where(Source.slug == HIDDEN_SOURCE)).one()
    response = editor.post(f"/sources/{HIDDEN_SOURCE}/edit", data={
        "title": source.title, "kind": "report", "author": source.author,
        "publisher": source.publisher, "url": source.url, "published_on": "2021-01-01",
        "date_precision": "day", "text": "", "published": "y", "version": str(source.version),
    })  # fmt: skip
    assert response.status_code == 302
    db.rollback()  # see what the requests committed
    assert db.get_one(Source, source.id).published
    versions = select(ContentVersion).where(
        ContentVersion.entity_type == "source", ContentVersion.entity_id == source.id
    )
    version = db.scalars(versions.order_by(ContentVersion.number.desc())).first()
    assert version is not None and version.data["published"] is True
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "source.edit")
                       .order_by(AuditEvent.id.desc())).first()  # fmt: skip
    assert event is not None and event.after["published"] is True
    assert public.get(f"/sources/{HIDDEN_SOURCE}").status_code == 200
    assert HIDDEN_TITLE in public.get("/").get_data(as_text=True)
    history = editor.get(f"/sources/{HIDDEN_SOURCE}/history").get_data(as_text=True)
    assert "Published on the public site" in history


def test_the_published_flag_is_in_the_api_and_the_export(public_app: Flask) -> None:
    client = log_in(public_app, "edi@example.org")
    sources = {s["slug"]: s["published"] for s in client.get("/api/v1/sources").json["items"]}
    assert sources == {SOURCE: True, HIDDEN_SOURCE: False}
    exported = client.get("/export/tracker.json").json
    flags = {s["slug"]: s["published"] for s in exported["sources"]}
    assert flags == {SOURCE: True, HIDDEN_SOURCE: False}


# Embeds.


def test_the_badge_is_an_accessible_svg(public_app: Flask) -> None:
    response = public_app.test_client().get(f"/recommendations/{SLUG}/badge.svg")
    assert response.mimetype == "image/svg+xml"
    body = response.get_data(as_text=True)
    assert re.search(r'<svg [^>]*role="img" aria-label="[^"]+: In progress as of 2020-02-02"', body)
    assert "<title>" in body and ">In progress</text>" in body


def test_only_the_embed_routes_may_be_framed_and_only_by_the_set_origins(
    public_app: Flask,
) -> None:
    client = public_app.test_client()
    for url in (f"/embed/recommendations/{SLUG}", f"/recommendations/{SLUG}/badge.svg"):
        response = client.get(url)
        assert (
            "frame-ancestors http://embedder.example" in response.headers["Content-Security-Policy"]
        )
        assert "X-Frame-Options" not in response.headers
    for url in (f"/recommendations/{SLUG}", "/", "/sitemap.xml"):
        response = client.get(url)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], url
        assert response.headers["X-Frame-Options"] == "DENY", url
    public_app.config["EMBED_ORIGINS"] = []
    response = client.get(f"/embed/recommendations/{SLUG}")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_card_and_the_embed_code(public_app: Flask) -> None:
    client = public_app.test_client()
    card = client.get(f"/embed/recommendations/{SLUG}").get_data(as_text=True)
    assert "embed.css" in card and "tracker.css" not in card
    assert 'target="_blank"' in card
    page = client.get(f"/recommendations/{SLUG}").get_data(as_text=True)
    assert f"&lt;iframe src=&#34;http://localhost/embed/recommendations/{SLUG}&#34;" in page or (
        f'&lt;iframe src="http://localhost/embed/recommendations/{SLUG}"' in page
    )
    assert "Copy embed code" in page


def test_an_embed_shows_what_the_public_sees_even_to_a_logged_in_reader(
    public_app: Flask, db: Session
) -> None:
    new_update(db, "ana@example.org")
    inside = log_in(public_app, "ana@example.org")
    assert "Stalled" not in inside.get(f"/recommendations/{SLUG}/badge.svg").get_data(as_text=True)


def test_embed_origins_must_be_origins() -> None:
    from tracker.config import origins

    assert origins("https://a.example, http://b.example:8080 ") == [
        "https://a.example",
        "http://b.example:8080",
    ]
    for bad in ("a.example", "https://a.example/path", "javascript:alert(1)", "https://x' *"):
        with pytest.raises(ValueError, match="TRACKER_EMBED_ORIGINS"):
            origins(bad)
