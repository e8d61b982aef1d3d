"""Printable report cards, as pages, as PDF (rasterised and looked at) and as Word."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import re
import sys

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.charts import PAINTS
from tracker.models import Recommendation
from tracker.vocabulary import Status

from .helpers import SLUG, add_updates, evidence_row, squash, update_form

SOURCE = "mei-2020-real-cost-us-iran-escalation-iraq"
REPORT = f"/sources/{SOURCE}/report"
REPORTS = [REPORT, "/report"]  # one source's, and everything's

needs_weasyprint = pytest.mark.skipif(
    importlib.util.find_spec("weasyprint") is None, reason="WeasyPrint is not installed"
)

# Three recommendations in three statuses whose chart colours appear nowhere else on the page.
STATUSES = {
    2: Status.IN_PROGRESS,
    3: Status.NO_ACTION,
    4: Status.CONTRADICTED,
}


def assessed_on() -> dt.date:
    """The day `assessed` dates its updates, read when a test runs: a run may cross midnight."""
    return dt.date.today() - dt.timedelta(days=200)


def slugs_by_position(db: Session) -> dict[int, str]:
    return {
        position: slug
        for position, slug in db.execute(select(Recommendation.position, Recommendation.slug))
    }


@pytest.fixture
def assessed(db: Session, analyst) -> dict[int, str]:
    """Three recommendations assessed 200 days ago, in the statuses of `STATUSES`."""
    slugs = slugs_by_position(db)
    for position, status in STATUSES.items():
        add_updates(db, analyst, slugs[position], 1, status=status, start=assessed_on())
    return slugs


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
    assert page.count('aria-labelledby="timeline-') == 1  # the one assessed
    assert "Download PDF (A4)" in page


def test_unassessed_recommendations_take_one_line_each_not_a_chart(
    client: FlaskClient, db: Session, assessed
) -> None:
    page = squash(client.get(REPORT).get_data(as_text=True))
    total = len(assessed)
    unassessed = total - len(STATUSES)
    assert page.count('aria-labelledby="timeline-') == len(STATUSES)
    assert f"Not yet assessed: {unassessed} recommendations</h2>" in page
    section = re.search(r'<ul class="unassessed">(.*?)</ul>', page).group(1)
    assert section.count("<li") == unassessed
    assert "No assessment yet" not in page
    one = client.get(REPORT, query_string={"as_of": "2020-06-01"}).get_data(as_text=True)
    assert f"Not yet assessed: {total} recommendations" in one


def test_report_card_chips_and_bar_link_to_the_dashboard_filtered(
    client: FlaskClient, assessed
) -> None:
    page = client.get(REPORT).get_data(as_text=True)
    link = f'href="/?source={SOURCE}&amp;status=in_progress"'
    assert f'<a class="badge-link" {link}>' in page  # the chip
    assert f"<a {link}" in page  # the bar's piece
    pdf_page = client.get(REPORT, query_string={"format": "pdf", "paper": "a4"})
    assert pdf_page.status_code in (200, 503)


def test_report_card_offers_word_beside_the_pdf(client: FlaskClient, analyst) -> None:
    page = squash(client.get(REPORT, query_string={"window": "all"}).get_data(as_text=True))
    downloads = re.search(r'<p class="actions downloads no-print">(.*?)</p>', page).group(1)
    assert "Download PDF (A4)" in downloads and "PDF (Letter)" in downloads
    assert f'href="{REPORT}?window=all&amp;format=docx">Word (.docx)</a>' in downloads
    source_page = client.get(f"/sources/{SOURCE}").get_data(as_text=True)
    assert f'href="{REPORT}?format=docx"' in source_page


@pytest.mark.parametrize("path", REPORTS)
def test_word_report_card_holds_what_the_page_holds(
    client: FlaskClient, db: Session, assessed, path: str
) -> None:
    from docx import Document

    posted = client.post(
        f"/recommendations/{assessed[2]}/updates/new",
        data=update_form(
            evidence_row(0, title="Coalition resumes training", publisher="Reuters"),
            assessment="Training **resumed** in [October](https://example.org/october).",
            as_of=dt.date.today().isoformat(),
        ),
    )
    assert posted.status_code == 302, squash(posted.get_data(as_text=True))
    response = client.get(path, query_string={"format": "docx"})
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    name = "mei-2020-real-cost-us-iran-escalation-iraq" if path == REPORT else "tracker"
    assert f'filename="{name}-report-card.docx"' in response.headers["Content-Disposition"]

    document = Document(io.BytesIO(response.data))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    title = "The real cost of US-Iran escalation in Iraq" if path == REPORT else "every tracked"
    assert title in headings[0] and headings[0].startswith("Report card: ")
    assert document.core_properties.title == headings[0]
    titles = {
        n: title for n, title in db.execute(select(Recommendation.position, Recommendation.title))
    }
    for position in STATUSES:
        assert f"{position}. {titles[position]}" in headings
    assert "Latest assessment (Moderate confidence, by Nadia Analyst)" in headings
    assert "Training resumed in October (https://example.org/october)." in paragraphs
    bold = [run.text for p in document.paragraphs for run in p.runs if run.bold]
    assert "resumed" in bold
    assert any(
        text.startswith("B2 Supports: Coalition resumes training, Reuters") for text in paragraphs
    )
    unassessed = len(titles) - len(STATUSES)
    assert f"Not yet assessed: {unassessed} recommendations" in headings
    one_liners = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    for position in set(titles) - set(STATUSES):
        assert any(
            text.startswith(f"{position}. {titles[position]} · addressed to ")
            for text in one_liners
        )

    # The tables: counts, then each timeline, their status cells shaded as the chart paints them.
    shading = {}
    for table in document.tables:
        for row in table.rows[1:]:
            cell = row.cells[0]
            shd = cell._tc.tcPr.find(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}shd"
            )
            attributes = {key.rpartition("}")[2]: value for key, value in shd.attrib.items()}
            shading[cell.text] = (attributes["val"], attributes["fill"], attributes["color"])
    assert shading["In progress"] == ("clear", PAINTS[Status.IN_PROGRESS].fill[1:], "auto")
    contradicted = PAINTS[Status.CONTRADICTED]
    assert shading["Contradicted"] == ("thinDiagCross", contradicted.fill[1:], contradicted.ink[1:])
    counts = document.tables[0]
    assert [cell.text for cell in counts.rows[0].cells] == ["Status", "Recommendations"]
    assert [row.cells[1].text for row in counts.rows[1:]][0] == str(unassessed)
    timeline = document.tables[1]
    assert [cell.text for cell in timeline.rows[1].cells] == [
        "In progress",
        assessed_on().isoformat(),  # the update of today kept the status
        "now",
    ]


def test_whole_tracker_report_and_unknown_source(client: FlaskClient, analyst) -> None:
    assert "Report card: every tracked recommendation" in client.get("/report").get_data(
        as_text=True
    )
    assert client.get("/sources/nothing/report").status_code == 404
    assert client.get("/sources/nothing/report?format=docx").status_code == 404


@needs_weasyprint
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


def rasterise(pdf: bytes, dpi: int = 72) -> list:  # type: ignore[type-arg]
    """The PDF's pages as RGB images, as a reader would see them."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def pixels_near(image, colour: str, tolerance: int = 4) -> int:  # type: ignore[no-untyped-def]
    target = hex_rgb(colour)
    return sum(
        count
        for count, rgb in image.getcolors(maxcolors=1 << 24)
        if all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True))
    )


def longest_dark_run(image) -> int:  # type: ignore[no-untyped-def]
    """The longest horizontal run of near-black pixels: text has none longer than a letter."""
    from PIL import ImageChops

    red, green, blue = image.split()
    brightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)  # per pixel
    width, height = brightest.size
    data = brightest.tobytes()
    runs = (
        len(match.group())
        for y in range(height)
        for match in re.finditer(rb"[\x00-\x45]+", data[y * width : (y + 1) * width])
    )
    return max(runs, default=0)


@needs_weasyprint
@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("path", REPORTS)
def test_pdf_charts_look_as_on_screen_colours_and_patterns_included(
    client: FlaskClient, assessed, path: str, paper: str
) -> None:
    response = client.get(path, query_string={"format": "pdf", "paper": paper})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    pages = rasterise(response.data)
    # No chart is a solid black bar: nothing on any page is a long run of black.
    assert max(longest_dark_run(page) for page in pages) < 40
    found = {
        name: sum(pixels_near(page, colour) for page in pages)
        for name, colour in {
            "in progress": PAINTS[Status.IN_PROGRESS].fill,
            "no action": PAINTS[Status.NO_ACTION].fill,
            "contradicted's pattern, its ground": PAINTS[Status.CONTRADICTED].fill,
            "contradicted's pattern, its ink": PAINTS[Status.CONTRADICTED].ink,
            "not yet assessed (the summary bar)": PAINTS[Status.NOT_ASSESSED].fill,
        }.items()
    }
    # Each status holds for more than half of a timeline some 680 by 22 points: thousands of
    # points of its colour; a pattern shares them between its two colours, its ground thinly
    # at this resolution. A black bar has none.
    assert all(count > 600 for count in found.values()), found
    # The labels are drawn as text, above the lane: the current status of each, in bold.
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for status in STATUSES.values():
        assert text.count(status.label) >= 2  # the chip and the chart's label


def test_pdf_without_weasyprint_says_what_to_install(
    client: FlaskClient, analyst, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as if not installed
    response = client.get(REPORT, query_string={"format": "pdf"})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "pip install weasyprint" in page and "libpango-1.0-0" in page
