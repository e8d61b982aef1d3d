"""A source's report card, and editors' versioned changes to it."""

from __future__ import annotations

from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import AuditEvent, Recommendation, Source
from tracker.vocabulary import Role, Status

from .helpers import SLUG, add_updates, form_fields, squash

SOURCE = "/sources/mei-2020-real-cost-us-iran-escalation-iraq"


def edit_form(client: FlaskClient) -> dict[str, object]:
    data = form_fields(client.get(f"{SOURCE}/edit").get_data(as_text=True))
    data.pop("csrf_token", None)
    return data


def test_report_card_lists_every_recommendation_with_its_status(client: FlaskClient, db: Session, analyst) -> None:
    add_updates(db, analyst, SLUG, 1, status=Status.IMPLEMENTED)
    page = squash(client.get(SOURCE).get_data(as_text=True))
    assert "Omar al-Nidawi, <cite>The real cost of US-Iran escalation in Iraq</cite>, Middle East Institute, January 2020" in page
    titles = db.scalars(select(Recommendation.title).order_by(Recommendation.position)).all()
    positions = [page.index(str(escape(title))) for title in titles]
    assert positions == sorted(positions)
    assert '<span class="badge status-implemented">Implemented</span> <strong class="count">1</strong>' in page
    assert client.get("/sources/no-such-source").status_code == 404


def test_editor_edits_the_citation_with_history(client: FlaskClient, db: Session, make_user, auth) -> None:
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


def test_full_text_must_keep_every_passage(client: FlaskClient, db: Session, make_user, auth) -> None:
    auth.login(make_user(Role.EDITOR))
    data = edit_form(client)
    data["text"] = str(data["text"]).replace("Priority should be given", "Priority went")
    page = client.post(f"{SOURCE}/edit", data=data).get_data(as_text=True)
    assert "must contain every recommendation&#39;s passage; missing: Resume anti-ISIS cooperation" in page
    assert db.scalars(select(Source.version)).one() == 1


def test_only_http_links_and_real_dates(client: FlaskClient, db: Session, make_user, auth) -> None:
    auth.login(make_user(Role.EDITOR))
    data = edit_form(client) | {"url": "javascript:alert(1)", "published_on": "2020-13-01"}
    page = client.post(f"{SOURCE}/edit", data=data).get_data(as_text=True)
    assert "Use a link that starts with http:// or https://." in page
    assert "Not a valid date value." in page
    assert db.scalars(select(Source.url)).one().startswith("https://www.mei.edu/")


def test_concurrent_source_edit_is_refused(client: FlaskClient, app, db: Session, make_user, auth) -> None:
    auth.login(make_user(Role.EDITOR))
    stale = edit_form(client)
    fresh = edit_form(client) | {"author": "O. al-Nidawi"}
    assert client.post(f"{SOURCE}/edit", data=fresh).status_code == 302
    page = squash(client.post(f"{SOURCE}/edit", data=stale | {"title": "Another title"}).get_data(as_text=True))
    assert "Someone saved version 2 while you were editing." in page
    db.rollback()
    assert db.scalars(select(Source.title)).one() == "The real cost of US-Iran escalation in Iraq"


def test_analysts_cannot_edit_sources(client: FlaskClient, analyst) -> None:
    assert client.get(f"{SOURCE}/edit").status_code == 403
    assert client.post(f"{SOURCE}/edit", data={}).status_code == 403
