"""Charts drawn on the server as SVG: status bars, timelines and the swimlane.

This module only computes geometry; templates/charts.html draws it. Every chart carries
its own text alternative, and statuses are told apart by pattern and label, not colour
alone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .vocabulary import Status


@dataclass(frozen=True)
class Bar:
    """One stacked bar: a label and a count per status, drawn in `Status` order."""

    label: str
    counts: Counter[Status]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def pieces(self, width: float) -> list[tuple[Status, int, float, float]]:
        """Return (status, count, x, width) for each status present, scaled to `width`."""
        total = self.total or 1
        x = 0.0
        pieces = []
        for status in Status:
            count = self.counts.get(status, 0)
            if count:
                piece = width * count / total
                pieces.append((status, count, x, piece))
                x += piece
        return pieces

    @property
    def description(self) -> str:
        parts = [f"{status.label}: {count}" for status, count, _, _ in self.pieces(1)]
        return f"{self.label}: " + ", ".join(parts) if parts else f"{self.label}: none"


@dataclass(frozen=True)
class Segment:
    """A status in force from `start` (inclusive) to `end` (exclusive)."""

    start: dt.date
    end: dt.date
    status: Status


def segments(
    judgements: Sequence[tuple[dt.date, Status]], start: dt.date, end: dt.date
) -> list[Segment]:
    """Turn judgements, in the order the rule ranks them, into the spans of each status.

    `judgements` holds (as-of date, status) sorted by as-of date, then by the time logged:
    on a date with several, the last one holds. Before the first, the recommendation is
    not yet assessed; spans of the same status that touch are merged.
    """
    by_day: dict[dt.date, Status] = {}
    for day, status in judgements:
        if start <= day <= end:
            by_day[day] = status
        elif day < start:
            by_day[start] = status
    changes = sorted(by_day.items())
    if not changes or changes[0][0] > start:
        changes.insert(0, (start, Status.NOT_ASSESSED))
    spans: list[Segment] = []
    for (day, status), following in zip(changes, [*changes[1:], (end, None)], strict=True):
        if spans and spans[-1].status is status:
            spans[-1] = Segment(spans[-1].start, following[0], status)
        elif following[0] > day or not spans:
            spans.append(Segment(day, following[0], status))
    return spans


@dataclass(frozen=True)
class TimeScale:
    """Map dates onto x positions from `left` to `left + width`."""

    start: dt.date
    end: dt.date
    width: float
    left: float = 0.0

    def x(self, day: dt.date) -> float:
        days = max((self.end - self.start).days, 1)
        return self.left + self.width * (day - self.start).days / days

    def ticks(self) -> list[tuple[float, str]]:
        """Year starts (or months, for short spans), as (x, label)."""
        span = (self.end - self.start).days
        if span > 3 * 365:
            days = [dt.date(year, 1, 1) for year in range(self.start.year + 1, self.end.year + 1)]
            return [(self.x(day), str(day.year)) for day in days]
        months = []
        day = dt.date(self.start.year, self.start.month, 1)
        while day <= self.end:
            if day > self.start:
                months.append(day)
            day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        step = max(1, len(months) // 8)
        return [(self.x(day), day.strftime("%b %Y")) for day in months[::step]]

    def day_at(self, x: float) -> dt.date:
        """The day a position stands for: the inverse of `x`."""
        days = max((self.end - self.start).days, 1)
        return self.start + dt.timedelta(days=round((x - self.left) * days / self.width))

    def visible(self, spans: list[Segment], pixels: float = 2.0) -> list[Segment]:
        """Keep what the chart can show: at most one status every `pixels`, the one then in force.

        A long history packs many spans into one pixel; drawing them all would cost as much as
        the history is long, for nothing anyone could see.
        """
        columns = int(self.width / pixels)
        if len(spans) <= columns:
            return spans
        sampled: list[Segment] = []
        index = 0
        edges = [self.day_at(self.left + column * pixels) for column in range(columns + 1)]
        for begin, end in zip(edges[:-1], [*edges[1:-1], self.end], strict=True):
            # The status in force at the end of this column stands for the whole column.
            while index + 1 < len(spans) and spans[index + 1].start <= end:
                index += 1
            status = spans[index].status
            if sampled and sampled[-1].status is status:
                sampled[-1] = Segment(sampled[-1].start, end, status)
            elif end > begin:
                sampled.append(Segment(begin, end, status))
        return sampled

    def markers(
        self, marks: Sequence[tuple[dt.date, str]], pixels: float = 4.0
    ) -> list[tuple[dt.date, str]]:
        """Keep one marker every `pixels`, the latest, saying how many it stands for."""
        by_column: dict[int, list[tuple[dt.date, str]]] = {}
        for day, label in marks:
            by_column.setdefault(int(self.x(day) / pixels), []).append((day, label))
        kept = []
        for column in sorted(by_column):
            group = by_column[column]
            day, label = max(group, key=lambda mark: mark[0])
            kept.append((day, label if len(group) == 1 else f"{label} (latest of {len(group)})"))
        return kept


def describe(spans: Sequence[Segment]) -> str:
    """Say in words what a timeline shows."""
    return "; ".join(
        f"{span.status.label} from {span.start.isoformat()} to {span.end.isoformat()}"
        for span in spans
    )
