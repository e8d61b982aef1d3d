"""Printable report cards, as pages and as PDF."""

from __future__ import annotations

import importlib.util
import io
import sys

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Recommendation

from .helpers import SLUG, evidence_row, squash, update_form

REPORT = "/sources/mei-2020-real-cost-us-iran-escalation-iraq/report"


def test_report_card_holds_status_assessment_evidence_and_timeline(
    client: FlaskClient, db: Session, analyst
) -> None:
    client.post(
        f"/recommendations/{SLUG}/updates/new",
        data=update_form(
            evidence_row(0, title="Coalition resumes training"), assessment="Training **resumed**."
        ),
    )
    page = squash(client.get(REPORT).get_data(as_text=True))
    assert "Report card: The real cost of US-Iran escalation in Iraq" in page
    for title in db.scalars(select(Recommendation.title)):
        assert str(escape(title)) in page
    assert "Training <strong>resumed</strong>." in page
    assert '<span class="grade">B2</span> Supports: Coalition resumes training' in page
    assert page.count('aria-labelledby="timeline-') == len(
        db.scalars(select(Recommendation.id)).all()
    )
    assert "Download PDF (A4)" in page


def test_whole_tracker_report_and_unknown_source(client: FlaskClient, analyst) -> None:
    assert "Report card: every tracked recommendation" in client.get("/report").get_data(
        as_text=True
    )
    assert client.get("/sources/nothing/report").status_code == 404


@pytest.mark.skipif(
    importlib.util.find_spec("weasyprint") is None, reason="WeasyPrint is not installed"
)
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_pdf_download(client: FlaskClient, analyst, paper: str) -> None:
    response = client.get(REPORT, query_string={"format": "pdf", "paper": paper})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert (
        'filename="mei-2020-real-cost-us-iran-escalation-iraq-report-card.pdf"'
        in response.headers["Content-Disposition"]
    )
    document = PdfReader(io.BytesIO(response.data))
    width = round(float(document.pages[0].mediabox.width))
    assert width == (595 if paper == "a4" else 612)  # in points
    text = " ".join(page.extract_text() for page in document.pages)
    assert "Resume anti-ISIS cooperation as a priority" in text


def test_pdf_without_weasyprint_says_what_to_install(
    client: FlaskClient, analyst, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as if not installed
    response = client.get(REPORT, query_string={"format": "pdf"})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "pip install weasyprint" in page and "libpango-1.0-0" in page
