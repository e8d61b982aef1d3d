"""What a report card holds, for one source or every recommendation: the page, the PDF and the
Word document are three renderings of the same `ReportCard`."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..charts import Bar, BarChart, Timeline, timeline
from ..models import Recommendation, Source, StatusUpdate
from ..moments import Moment, judgement_history
from ..standings import Dashboard, DashboardFilters, DashboardRow, dashboard
from ..timelines import updates_with_evidence
from ..vocabulary import Status


@dataclass(frozen=True)
class Item:
    """An assessed recommendation: its status, latest assessment and timeline."""

    row: DashboardRow
    update: StatusUpdate | None
    chart: Timeline

    @property
    def recommendation(self) -> Recommendation:
        return self.row.recommendation


@dataclass(frozen=True)
class ReportCard:
    source: Source | None
    moment: Moment
    window: str
    board: Dashboard
    items: list[Item]  # assessed, each in full
    unassessed: list[DashboardRow]  # not yet assessed: one line each

    @property
    def title(self) -> str:
        if self.source is None:
            return _("Report card: every tracked recommendation")
        title = self.source.text_in(str(get_locale() or "en"), "title")
        return _("Report card: %(title)s", title=title)

    @property
    def counts(self) -> list[tuple[Status, int]]:
        """Each status present, most frequent first (ties in `Status` order)."""
        order = list(Status)
        return sorted(
            ((status, count) for status, count in self.board.counts.items() if count),
            key=lambda pair: (-pair[1], order.index(pair[0])),
        )

    def overall(self, links: dict[Status, str] | None = None) -> BarChart:
        label = _("This source") if self.source else _("Every recommendation")
        return BarChart.of([Bar(label, self.board.counts, links=links or {})])


def build_report(
    session: Session,
    source: Source | None,
    moment: Moment,
    *,
    window: str,
    review_every_days: int,
) -> ReportCard:
    """Load a report card: where each recommendation stands at `moment`, and how it got there."""
    filters = DashboardFilters(source=source.slug if source else None)
    board = dashboard(session, filters, moment, review_every_days=review_every_days)
    assessed = [row for row in board.rows if row.judgement]
    updates = updates_with_evidence(session, (row.judgement.update_id for row in assessed))
    history = judgement_history(session, [row.recommendation.id for row in assessed], moment)
    items = []
    for row in assessed:
        recommendation = row.recommendation
        judgements = history[recommendation.id]
        first = min([recommendation.source.published_on, *(day for day, _ in judgements)])
        chart = timeline(
            judgements,
            first,
            moment.as_of,
            window=window,
            marks=[(day, f"{status.label} as of {day.isoformat()}") for day, status in judgements],
        )
        items.append(Item(row, updates.get(row.judgement.update_id), chart))
    return ReportCard(
        source=source,
        moment=moment,
        window=window,
        board=board,
        items=items,
        unassessed=[row for row in board.rows if not row.judgement],
    )


def file_name(source: Source | None, extension: str) -> str:
    return f"{source.slug if source else 'tracker'}-report-card.{extension}"
