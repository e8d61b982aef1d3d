"""Small helpers the tests share: form data as a browser would post it."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Recommendation, User
from tracker.services import EvidenceInput, record_status_update
from tracker.vocabulary import Confidence, Credibility, Reliability, Stance, Status

SLUG = "resume-anti-isis-cooperation"
PASSWORD = "correct horse battery staple"


def evidence_row(index: int, **overrides: Any) -> dict[str, str]:
    row = {
        "url": f"https://news.example.org/story-{index}",
        "title": f"Story {index}",
        "publisher": "Example News",
        "published_on": "2021-10-01",
        "excerpt": f"Excerpt number {index}.",
        "stance": "supports",
        "reliability": "B",
        "credibility": "2",
    }
    row.update(overrides)
    return {f"evidence-{index}-{key}": value for key, value in row.items()}


def update_form(*rows: dict[str, str], **fields: str) -> dict[str, str]:
    """Fields of the status update form with the evidence `rows`; one default row if none."""
    data = {
        "status": "in_progress",
        "as_of": "2021-10-10",
        "assessment": "Talks **resumed** in October.",
        "confidence": "moderate",
        "save": "Log status update",
    }
    data.update(fields)
    for row in rows or (evidence_row(0),):
        data.update(row)
    return data


def add_updates(
    db: Session,
    author: User,
    slug: str,
    count: int,
    *,
    status: Status = Status.IN_PROGRESS,
    start: dt.date = dt.date(2020, 2, 1),
) -> None:
    """Record `count` updates a day apart through the service, as the form would."""
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == slug)).one()
    for day in range(count):
        record_status_update(
            db,
            recommendation,
            author=author,
            status=status,
            as_of=start + dt.timedelta(days=day),
            assessment=f"Development {day}.",
            confidence=Confidence.MODERATE,
            evidence=[
                EvidenceInput(
                    url=f"https://news.example.org/{slug}/{day}",
                    title=f"Report {day}",
                    publisher="Example News",
                    excerpt="Quoted words.",
                    stance=Stance.SUPPORTS,
                    reliability=Reliability.B,
                    credibility=Credibility.PROBABLE,
                )
            ],
        )
    db.commit()


def squash(html: str) -> str:
    """Fold runs of white space, so that assertions need not know the templates' indentation."""
    return re.sub(r"\s+", " ", html)


class _FormReader(HTMLParser):
    """Collect what a browser would submit from the forms of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self._option: dict[str, str | None] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def add(self, name: str | None, value: str) -> None:
        if name:
            self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.add(a.get("name"), a.get("value") or "on")
            elif kind not in ("submit", "button", "image", "reset"):
                self.add(a.get("name"), a.get("value") or "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.add(self._select, a.get("value") or "")
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.add(self._textarea, "".join(self._text).removeprefix("\r\n").removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)


def form_fields(page: str) -> dict[str, str | list[str]]:
    """Read a page's form fields as a browser would submit them unchanged."""
    reader = _FormReader()
    reader.feed(page)
    return {name: values[0] if len(values) == 1 else values for name, values in reader.fields.items()}
