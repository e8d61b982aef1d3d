"""Report cards as Word documents (python-docx), for analysts to paste into briefings.

The same content as the page: counts, then each assessed recommendation with its status,
the source's words, its statuses over time (a table whose status cells carry the chart's
colours and patterns as Word shading), the latest assessment and its evidence; then the
recommendations not yet assessed, one line each.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from flask_babel import gettext as _
from flask_babel import ngettext
from markdown_it import MarkdownIt

from ..audience import shown_name
from ..charts import PAINTS, WINDOWS
from ..i18n import direction, language, local_date, local_number
from ..templating import published
from ..vocabulary import Status
from .card import Item, ReportCard

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_markdown = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")

# Statuses whose paint is dark carry white text.
_DARK = {Status.IMPLEMENTED}


def _shading(value: str, fill: str, color: str = "auto") -> OxmlElement:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), value)
    shd.set(qn("w:color"), color)
    shd.set(qn("w:fill"), fill)
    return shd


def shade_run(run: Run, status: Status) -> None:
    """Give a run the status's colour, as a chip: solid, so that the text stays legible."""
    paint = PAINTS[status]
    run.bold = True
    run._r.get_or_add_rPr().append(_shading("clear", paint.fill.lstrip("#")))
    if status in _DARK:
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)


def shade_cell(cell: _Cell, status: Status) -> None:
    """Give a table cell the status's colour and, where the chart has one, its pattern."""
    paint = PAINTS[status]
    colour = (paint.ink or "#000000").lstrip("#") if paint.pattern else "auto"
    cell._tc.get_or_add_tcPr().append(_shading(paint.word, paint.fill.lstrip("#"), colour))


def status_run(paragraph: Paragraph, status: Status) -> Run:
    run = paragraph.add_run(f"\u00a0{status.label}\u00a0")
    shade_run(run, status)
    return run


def add_markdown(document: DocumentObject, text: str) -> None:
    """Add an analyst's Markdown as paragraphs and lists, with bold, italics, code and links."""
    tokens = _markdown.parse(text or "")
    lists: list[str] = []
    quote = 0
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append("List Number" if token.type == "ordered_list_open" else "List Bullet")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "blockquote_open":
            quote += 1
        elif token.type == "blockquote_close":
            quote -= 1
        elif token.type in ("fence", "code_block"):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(token.content.rstrip("\n"))
            run.font.name = "Courier New"
        elif token.type == "inline":
            style = lists[-1] if lists else "Quote" if quote else None
            paragraph = document.add_paragraph(style=style)
            add_inline(paragraph, token.children or [])


def add_inline(paragraph: Paragraph, children: list) -> None:  # type: ignore[type-arg]
    bold = italic = strike = False
    link: str | None = None
    for child in children:
        kind = child.type
        if kind == "strong_open":
            bold = True
        elif kind == "strong_close":
            bold = False
        elif kind == "em_open":
            italic = True
        elif kind == "em_close":
            italic = False
        elif kind == "s_open":
            strike = True
        elif kind == "s_close":
            strike = False
        elif kind == "link_open":
            href = str(child.attrs.get("href", ""))
            link = href if href.startswith(("http://", "https://")) else None
        elif kind == "link_close":
            if link:
                paragraph.add_run(f" ({link})")
            link = None
        elif kind in ("softbreak", "hardbreak"):
            paragraph.add_run(" " if kind == "softbreak" else "\n")
        elif kind in ("text", "code_inline", "html_inline"):
            run = paragraph.add_run(child.content)
            run.bold, run.italic, run.font.strike = bold, italic, strike
            if kind == "code_inline":
                run.font.name = "Courier New"


def add_item(document: DocumentObject, card: ReportCard, item: Item) -> None:
    rec = item.recommendation
    row = item.row
    document.add_heading(f"{rec.position}. {rec.text_in(language(), 'title')}", level=2)
    paragraph = document.add_paragraph()
    status_run(paragraph, row.status)
    if row.judgement:
        paragraph.add_run(" " + _("as of %(day)s", day=local_date(row.judgement.as_of)))
    if row.due:
        paragraph.add_run(" " + _("(due for review)")).italic = True
    actors = ", ".join(actor.name for actor in rec.actors)
    paragraph.add_run(" · " + _("addressed to %(actors)s", actors=actors))
    document.add_paragraph(rec.passage, style="Quote")

    caption = document.add_paragraph()
    window = str(WINDOWS[card.window]).lower()
    caption.add_run(_("Statuses over time (%(window)s)", window=window)).bold = True
    entries = list(reversed(item.chart.entries()))
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, (_("Status"), _("From"), _("To")), strict=True):
        cell.text = heading
        cell.paragraphs[0].runs[0].bold = True
    for index, (span, start, cut) in enumerate(entries):
        cells = table.add_row().cells
        shade_cell(cells[0], span.status)
        run = cells[0].paragraphs[0].add_run(span.status.label)
        run.bold = True
        if span.status in _DARK:
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        before = cut and start == span.start
        cells[1].text = _("before %(day)s", day=local_date(start)) if before else local_date(start)
        now = index == 0 and card.moment.is_now
        cells[2].text = _("now") if now else local_date(span.end)

    update = item.update
    if update and card.moment.is_now:
        heading = document.add_heading(_("Latest assessment"), level=3)
        name = shown_name(update.author)
        by = (
            _(
                "%(confidence)s confidence, by %(name)s",
                confidence=update.confidence.label,
                name=name,
            )
            if name
            else _("%(confidence)s confidence", confidence=update.confidence.label)
        )
        heading.add_run(f" ({by})").bold = False
        add_markdown(document, update.assessment)
        document.add_heading(_("Key evidence"), level=3)
        for evidence in update.evidence:
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(evidence.grade).bold = True
            day = evidence.published_on
            published = f", {local_date(day)}" if day else ""
            paragraph.add_run(
                f" {evidence.stance.label}: {evidence.title}, {evidence.publisher}{published}"
            )
            paragraph.add_run(f" {evidence.url}").font.size = Pt(9)


def right_to_left(document: DocumentObject) -> None:
    """Lay every paragraph and table out right to left (Word's `bidi`), for an Arabic card."""
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        # In the order the schema gives the properties, which Word insists on.
        table._tbl.tblPr.insert_element_before(OxmlElement("w:bidiVisual"), *AFTER_BIDI_VISUAL)
        paragraphs.extend(p for row in table.rows for cell in row.cells for p in cell.paragraphs)
    for paragraph in paragraphs:
        paragraph._p.get_or_add_pPr().insert_element_before(OxmlElement("w:bidi"), *AFTER_BIDI)


AFTER_BIDI = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
              "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
              "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
              "w:rPr", "w:sectPr", "w:pPrChange")  # fmt: skip
AFTER_BIDI_VISUAL = ("w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW", "w:jc",
                     "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout",
                     "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")  # fmt: skip


def render_docx(card: ReportCard) -> bytes:
    """Write the report card as a .docx file."""
    document = Document()
    document.core_properties.title = card.title
    document.core_properties.author = "Tracker"
    document.add_heading(card.title, level=0)
    source = card.source
    if source:
        citation = document.add_paragraph(f"{source.author}, ")
        citation.add_run(source.title).italic = True
        citation.add_run(f", {source.publisher}, {published(source)}. {source.url}")
    moment = card.moment
    if moment.known_on:
        status = _(
            "Status as of %(day)s, as known on %(known)s.",
            day=local_date(moment.as_of),
            known=local_date(moment.known_on),
        )
    else:
        status = _("Status as of %(day)s.", day=local_date(moment.as_of))
    window = _("Timelines show %(window)s.", window=str(WINDOWS[card.window]).lower())
    grades = _("Evidence grades: source reliability A–F, information credibility 1–6.")
    document.add_paragraph(f"{status} {window} {grades}")

    document.add_heading(_("Where things stand"), level=1)
    counts = document.add_table(rows=1, cols=2)
    counts.style = "Table Grid"
    for cell, heading in zip(
        counts.rows[0].cells, (_("Status"), _("Recommendations")), strict=True
    ):
        cell.text = heading
        cell.paragraphs[0].runs[0].bold = True
    for status, count in card.counts:
        cells = counts.add_row().cells
        shade_cell(cells[0], status)
        run = cells[0].paragraphs[0].add_run(status.label)
        run.bold = True
        if status in _DARK:
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        cells[1].text = local_number(count)

    if card.items:
        document.add_heading(_("Assessed"), level=1)
    for item in card.items:
        add_item(document, card, item)

    if card.unassessed:
        count = len(card.unassessed)
        heading = ngettext(
            "Not yet assessed: %(num)s recommendation",
            "Not yet assessed: %(num)s recommendations",
            count,
        )
        document.add_heading(heading, level=1)
        for row in card.unassessed:
            rec = row.recommendation
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{rec.position}. {rec.text_in(language(), 'title')}")
            actors = ", ".join(actor.name for actor in rec.actors)
            paragraph.add_run(" · " + _("addressed to %(actors)s", actors=actors)).italic = True

    if direction() == "rtl":
        right_to_left(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
