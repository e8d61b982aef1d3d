"""Hostile text in every text field: the pages show it as text, never as live markup."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import StatusUpdate
from tracker.vocabulary import Role

from .helpers import SLUG, cited_evidence, evidence_row, form_fields, update_form

SOURCE = "/sources/mei-2020-real-cost-us-iran-escalation-iraq"
REC = f"/recommendations/{SLUG}"

CORPUS = [
    "<script>alert(1)</script>",
    '"><script>alert(2)</script>',
    "<img src=x onerror=alert(3)>",
    "<svg onload=alert(4)>",
    "[click](javascript:alert(5))",
    '<a href="javascript:alert(6)">x</a>',
    "' onmouseover='alert(7)",
    '<iframe src="data:text/html,<script>alert(8)</script>">',
    '<math><mi xlink:href="javascript:alert(9)">x</mi></math>',
    "<b onclick=alert(10)>broken <i>markup",
    "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMSk8L3NjcmlwdD4=)",
    "<style>body{display:none}</style>",
]

# The pages draw their own SVG charts, so an injected <svg> shows by its handlers instead.
DANGEROUS_TAGS = {"script", "iframe", "img", "math", "style", "object", "embed", "base"}


class LiveMarkup(HTMLParser):
    """Collect every tag or attribute in a page that could run code or restyle it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and (dict(attrs).get("src") or "").startswith("/static/"):
            return  # the site's own script, from its own static files
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction") and (
                (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:"))
            ):
                self.found.append(f"<{tag} {name}={value}>")


def live_markup(page: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(page)
    return parser.found


@pytest.mark.parametrize("payload", CORPUS)
def test_hostile_text_in_every_field_stays_inert(
    client: FlaskClient, db: Session, make_user, auth, payload: str
) -> None:
    auth.login(make_user(Role.ADMIN, name=payload))
    assert (
        client.post(
            f"{REC}/updates/new",
            data=update_form(
                evidence_row(0, title=payload, publisher=payload, excerpt=payload),
                assessment=payload,
            ),
        ).status_code
        == 302
    )
    # A hostile link is refused, and the refusal page repeats it inertly.
    refused = client.post(f"{REC}/updates/new", data=update_form(evidence_row(0, url=payload)))
    assert refused.status_code == 200
    assert live_markup(refused.get_data(as_text=True)) == []

    update_id = db.scalars(select(StatusUpdate.id)).one()
    correction = {
        "status": "stalled",
        "as_of": "2021-01-01",
        "assessment": payload + " (corrected)",
        "confidence": "low",
        "reason": payload,
    } | cited_evidence(db, update_id)
    assert client.post(f"{REC}/updates/{update_id}/correct", data=correction).status_code == 302
    assert (
        client.post(f"{REC}/updates/{update_id}/retract", data={"reason": payload}).status_code
        == 302
    )

    recommendation = form_fields(client.get(f"{REC}/edit").get_data(as_text=True))
    recommendation |= {"title": payload, "summary": payload, "condition": payload}
    assert client.post(f"{REC}/edit", data=recommendation).status_code == 302
    source = form_fields(client.get(f"{SOURCE}/edit").get_data(as_text=True))
    source |= {"title": payload, "author": payload, "publisher": payload}
    assert client.post(f"{SOURCE}/edit", data=source).status_code == 302
    assert client.post("/actors/unami/rename", data={"name": payload}).status_code == 302
    assert client.post("/themes/", data={"name": payload, "slug": "hostile"}).status_code == 302

    pages = (
        "/", REC, f"{REC}/history", f"{REC}/edit", f"{REC}/updates/new", SOURCE,
        f"{SOURCE}/history", f"{SOURCE}/edit", f"{SOURCE}/recommendations/new", "/sources/",
        "/actors/", "/themes/", "/actors/unami/merge", "/corrections", "/audit",
    )  # fmt: skip
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        assert live_markup(page) == [], path
    assert str(escape(payload)) in client.get(REC).get_data(as_text=True)  # shown, as text


def test_the_checker_finds_live_markup() -> None:
    assert live_markup('<p>ok</p><img src=x onerror=alert(1)><a href="javascript:x">') == [
        "<img>", "<img onerror>", "<a href=javascript:x>",
    ]  # fmt: skip
