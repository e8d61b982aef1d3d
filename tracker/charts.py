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


def describe(spans: Sequence[Segment]) -> str:
    """Say in words what a timeline shows."""
    return "; ".join(
        f"{span.status.label} from {span.start.isoformat()} to {span.end.isoformat()}"
        for span in spans
    )
