"""Charts drawn on the server as SVG: status bars, timelines and the swimlane.

This module computes geometry and paint; templates/charts.html draws it. Every chart carries
its own text alternative, and statuses are told apart by pattern and label, not colour alone.

How the charts are drawn, and why:

- Colours and patterns are SVG presentation attributes, and every SVG defines the patterns
  it uses. WeasyPrint renders each inline SVG as an image of its own: the page's stylesheet
  does not reach inside it and a pattern defined in another SVG is not found, so charts
  painted by CSS classes came out as solid black bars in the PDF.
- An SVG has no viewBox: its user unit is the CSS pixel, horizontal positions are
  percentages of its width and vertical ones are pixels. The chart stretches to the width
  of the page while its text keeps its size (12 pixels or more) at every width; a viewBox
  would shrink the text with the chart, to 6 pixels on a phone.
- Names are HTML beside the SVG, so they wrap and link; labels sit above the lane, never
  on a pattern or a grid line; counts sit in white pills.
- Text is placed for a reference width, the narrowest at which it is shown: labels placed
  without overlap at that width do not overlap at any greater width. Narrower screens (a
  phone) show the current status only, and a list of the spans in words.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from flask_babel import format_percent, ngettext
from flask_babel import gettext as _

from .i18n import lazy_gettext as _l
from .i18n import local_date, local_number
from .vocabulary import Status

INK = "#1d2430"
MUTED = "#5a6475"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
# Arabic labels in Noto (Debian's fonts-noto-core), which the PDF renderer finds by name.
FONTS = {"ar": "'Noto Sans Arabic', 'Noto Naskh Arabic', " + FONT}


def font_for(language: str) -> str:
    return FONTS.get(language, FONT)


LABEL_SIZE = 13  # CSS pixels: status labels and counts
TICK_SIZE = 12  # CSS pixels: axis labels


@dataclass(frozen=True)
class Paint:
    """How a status is painted: a colour, and for some a pattern over it.

    `word` names the shading pattern Word uses for the same look (w:shd's w:val).
    """

    fill: str
    pattern: str | None = None  # "dots", "hatch" or "cross"
    ink: str | None = None  # the pattern's colour
    stroke: str = "#ffffff"
    dash: str | None = None
    word: str = "clear"


PAINTS: dict[Status, Paint] = {
    Status.NOT_ASSESSED: Paint("#eceef2", stroke="#9aa3b2", dash="3 2"),
    Status.NO_ACTION: Paint("#e8c4c7"),
    Status.IN_PROGRESS: Paint("#9dbff0"),
    Status.PARTIAL: Paint("#e6f2e0", "dots", "#2c5a17", word="pct20"),
    Status.IMPLEMENTED: Paint("#1f6b34"),
    Status.STALLED: Paint("#fdf0d5", "hatch", "#6b4a00", word="thinDiagStripe"),
    Status.CONTRADICTED: Paint("#f3c9cb", "cross", "#a4161a", word="thinDiagCross"),
    Status.OVERTAKEN: Paint("#c9b8e6"),
}


def patterns_used(statuses: Sequence[Status]) -> list[tuple[Status, Paint]]:
    """The statuses among `statuses` painted with a pattern, once each, in `Status` order."""
    present = set(statuses)
    return [
        (status, PAINTS[status])
        for status in Status
        if status in present and PAINTS[status].pattern
    ]


_NARROW = set("iljtfrI.,:;'!|()[] ")
_WIDE = set("mwMW")


def text_width(text: str, size: float = LABEL_SIZE, bold: bool = False) -> float:
    """Estimate the width of `text` in pixels, erring wide: DejaVu Sans is a wide face."""
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.34
        elif char in _WIDE:
            em += 0.92
        elif char.isupper() or char.isdigit():
            em += 0.7
        else:
            em += 0.62
    return em * size * (1.08 if bold else 1.0)


# Bars --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One status's part of a bar: `x` and `width` in percent of the bar's scale."""

    status: Status
    count: int
    x: float
    width: float
    href: str | None = None

    @property
    def centre(self) -> float:
        return self.x + self.width / 2

    def pill_width(self) -> float:
        return text_width(str(self.count)) + 10

    def shows_count(self, reference: float) -> bool:
        """Whether the count's pill fits inside the piece when the bar is `reference` wide."""
        return self.width * reference / 100 >= self.pill_width() + 4


@dataclass(frozen=True)
class Bar:
    """One stacked bar: a label and a count per status, drawn in `Status` order.

    `href` links the bar's name, `links` each status's piece (to the dashboard filtered).
    """

    label: str
    counts: Counter[Status]
    href: str | None = None
    links: dict[Status, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def pieces(self, scale: float | None = None) -> list[Piece]:
        """Each status present, in percent of a scale of `scale` recommendations.

        Bars compared side by side share one scale, so 5 looks five times as long as 1;
        without one, the bar fills its width.
        """
        scale = scale or self.total or 1
        x = 0.0
        pieces = []
        for status in Status:
            count = self.counts.get(status, 0)
            if count:
                width = 100 * count / scale
                pieces.append(Piece(status, count, x, width, self.links.get(status)))
                x += width
        return pieces

    @property
    def description(self) -> str:
        parts = [f"{piece.status.label}: {local_number(piece.count)}" for piece in self.pieces()]
        return in_words(self.label, parts)


def in_words(label: str, parts: list[str]) -> str:
    """A bar in words: its label, then each status present with its count."""
    return f"{label}: " + ", ".join(parts) if parts else f"{label}: " + _("none")


@dataclass(frozen=True)
class BarChart:
    """Bars drawn on one common scale: the longest bar's total fills the width."""

    bars: list[Bar]
    scale: int = 0
    reference: float = 240  # the narrowest a bar is drawn, in pixels

    @classmethod
    def of(cls, bars: list[Bar], *, scale: int | None = None) -> BarChart:
        return cls(bars, scale or max((bar.total for bar in bars), default=0))

    def __bool__(self) -> bool:
        return bool(self.bars)

    def __len__(self) -> int:
        return len(self.bars)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.bars)


def common_scale(*charts: Sequence[Bar]) -> int:
    """The largest total among the bars of several charts, to draw them on one scale."""
    return max((bar.total for chart in charts for bar in chart), default=0)


# Timelines ---------------------------------------------------------------------------------


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


# The windows a timeline can show, by the value of ?window=; the first is the default.
WINDOWS = {"12m": _l("Last 12 months"), "all": _l("All history")}
DEFAULT_WINDOW = "12m"


def window_from(value: str | None) -> str:
    return value if value in WINDOWS else DEFAULT_WINDOW


def window_start(first: dt.date, end: dt.date, window: str) -> dt.date:
    """Where a timeline of `window` starts: at `first` (the whole history) or a year back."""
    if window == "12m":
        try:
            year_back = end.replace(year=end.year - 1)
        except ValueError:  # 29 February
            year_back = end.replace(year=end.year - 1, day=28)
        return min(max(first, year_back), end)
    return min(first, end)


@dataclass(frozen=True)
class Tick:
    x: float  # percent
    label: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Label:
    text: str
    x: float  # percent
    anchor: str  # "start" (just right of x) or "end" (ending at x)
    current: bool = False


@dataclass(frozen=True)
class TimeScale:
    """Map dates onto x positions from `left` to `left + width` (by default, percent)."""

    start: dt.date
    end: dt.date
    width: float = 100.0
    left: float = 0.0

    @property
    def days(self) -> int:
        return max((self.end - self.start).days, 1)

    def x(self, day: dt.date) -> float:
        return self.left + self.width * (day - self.start).days / self.days

    def day_at(self, x: float) -> dt.date:
        """The day a position stands for: the inverse of `x`."""
        return self.start + dt.timedelta(days=round((x - self.left) * self.days / self.width))

    def ticks(self, reference: float = 600) -> list[Tick]:
        """Year starts (or months, for short spans), as many as fit `reference` pixels."""
        span = (self.end - self.start).days
        px_per_day = reference / self.days
        if span > 3 * 365:
            days = [dt.date(year, 1, 1) for year in range(self.start.year + 1, self.end.year + 1)]
            room = text_width("2026", TICK_SIZE) + 14
            step = next(s for s in (1, 2, 5, 10, 1000) if s * 365 * px_per_day >= room)
            chosen = [day for day in days if day.year % step == 0] if step > 1 else days
            labels = [(day, local_date(day, "y")) for day in chosen]
        else:
            months = []
            day = dt.date(self.start.year, self.start.month, 1)
            while day <= self.end:
                if day > self.start:
                    months.append(day)
                day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
            room = text_width("Sep 2026", TICK_SIZE) + 12
            step = next(s for s in (1, 2, 3, 6, 12, 1000) if s * 30.4 * px_per_day >= room)
            chosen = [day for day in months if (day.month - 1) % step == 0] if step <= 12 else []
            labels = [
                (day, local_date(day, "MMM y" if index == 0 or day.month == 1 else "MMM"))
                for index, day in enumerate(chosen)
            ]
        ticks = []
        for day, label in labels:
            x = self.x(day)
            half = text_width(label, TICK_SIZE) / 2 + 2
            anchor = "middle"
            if x * reference / 100 < half:
                anchor = "start"
            elif (100 - x) * reference / 100 < half:
                anchor = "end"
            ticks.append(Tick(x, label, anchor))
        return ticks

    def visible(self, spans: list[Segment], resolution: float = 0.25) -> list[Segment]:
        """Keep what the chart can show: one status every `resolution`, the one then in force.

        A long history packs many spans into one pixel; drawing them all would cost as much as
        the history is long, for nothing anyone could see.
        """
        columns = int(self.width / resolution)
        if len(spans) <= columns:
            return spans
        sampled: list[Segment] = []
        index = 0
        edges = [self.day_at(self.left + column * resolution) for column in range(columns + 1)]
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
        self, marks: Sequence[tuple[dt.date, str]], resolution: float = 0.5
    ) -> list[tuple[dt.date, str]]:
        """Keep one marker every `resolution`, the latest, saying how many it stands for."""
        by_column: dict[int, list[tuple[dt.date, str]]] = {}
        for day, label in marks:
            if self.start <= day <= self.end:
                by_column.setdefault(int(self.x(day) / resolution), []).append((day, label))
        kept = []
        for column in sorted(by_column):
            group = by_column[column]
            day, label = max(group, key=lambda mark: mark[0])
            if len(group) > 1:
                label = _("%(label)s (latest of %(count)s)", label=label, count=len(group))
            kept.append((day, label))
        return kept

    def labels(self, spans: Sequence[Segment], reference: float) -> list[Label]:
        """Label the spans that have room at `reference` pixels; the current one always.

        The current status (the last span) is labelled at its start when it has room, or
        else ending at the chart's right edge, above its sliver. Another span is labelled
        at its start when its label fits within it and clears the current one's.
        """
        if not spans:
            return []
        gap = 8

        def px(day: dt.date) -> float:
            return self.x(day) * reference / self.width

        current = spans[-1]
        width = text_width(current.status.label, bold=True)
        if px(current.end) - px(current.start) >= width + gap:
            placed = [Label(current.status.label, self.x(current.start), "start", True)]
            taken = px(current.start)
        else:
            placed = [Label(current.status.label, self.left + self.width, "end", True)]
            taken = reference - width - 2
        for span in reversed(spans[:-1]):
            room = min(px(span.end), taken) - px(span.start)
            if room >= text_width(span.status.label) + gap:
                placed.append(Label(span.status.label, self.x(span.start), "start"))
        return sorted(placed, key=lambda label: label.x)


@dataclass(frozen=True)
class Timeline:
    """A timeline ready to draw: spans, update markers, labels and ticks at two widths."""

    spans: list[Segment]
    scale: TimeScale
    markers: list[tuple[dt.date, str]]
    labels: list[Label]  # for a page at least `WIDE` pixels wide
    narrow_labels: list[Label]  # for a phone: the current status only
    ticks: list[Tick]
    narrow_ticks: list[Tick]
    window: str
    since: dt.date  # when the current status began, however long before the window
    clipped: bool = False  # whether the window leaves out earlier history

    @property
    def current(self) -> Segment:
        return self.spans[-1]

    def entries(self) -> list[tuple[Segment, dt.date, bool]]:
        """Each span with the day it began and whether that was before the window.

        The current status began on `since`; a span the window cuts began before its start.
        """
        entries = []
        for span in self.spans:
            if span is self.current:
                entries.append((span, self.since, self.since < span.start))
            else:
                cut = self.clipped and span.start == self.scale.start
                entries.append((span, span.start, cut))
        return entries

    @property
    def description(self) -> str:
        parts = []
        for span, start, cut in self.entries():
            words = {"status": span.status.label, "start": local_date(start)}
            words["end"] = local_date(span.end)
            if cut and start == span.start:
                parts.append(_("%(status)s from before %(start)s to %(end)s", **words))
            else:
                parts.append(_("%(status)s from %(start)s to %(end)s", **words))
        return "; ".join(parts)


WIDE = 560  # the narrowest a timeline is drawn with every label (pixels)
NARROW = 280  # the narrowest phone


def timeline(
    judgements: Sequence[tuple[dt.date, Status]],
    first: dt.date,
    end: dt.date,
    *,
    window: str = DEFAULT_WINDOW,
    marks: Sequence[tuple[dt.date, str]] = (),
    wide: float = WIDE,
    since: dt.date | None = None,
) -> Timeline:
    """Lay out a recommendation's timeline from `first` (or a year back) to `end`.

    `since`, when the caller knows it, is the day the status in force at `end` began, so
    that `judgements` need only start just before the window (`moments.chart_history`).
    """
    scale = TimeScale(window_start(first, end, window), end)
    spans = scale.visible(segments(judgements, scale.start, end))
    if scale.start <= first:
        since = spans[-1].start
    elif since is None:
        since = segments(judgements, min(first, end), end)[-1].start
    return Timeline(
        spans=spans,
        scale=scale,
        markers=scale.markers(marks),
        labels=scale.labels(spans, wide),
        narrow_labels=[label for label in scale.labels(spans, NARROW) if label.current],
        ticks=scale.ticks(wide),
        narrow_ticks=scale.ticks(NARROW),
        window=window,
        since=since,
        clipped=scale.start > first,
    )


def describe(spans: Sequence[Segment]) -> str:
    """Say in words what a timeline shows."""
    return "; ".join(
        f"{span.status.label} from {span.start.isoformat()} to {span.end.isoformat()}"
        for span in spans
    )


# Calibration -------------------------------------------------------------------------------


class Binned(Protocol):
    """A bin of forecasts: how many, their mean stated probability, the share that came true."""

    label: str
    count: int
    stated: float
    observed: float


@dataclass(frozen=True)
class CalibrationPoint:
    x: float  # pixels
    y: float
    r: float
    label: str


@dataclass(frozen=True)
class Calibration:
    """A reliability diagram in pixels: stated probability across, share come true up.

    It is drawn at a fixed size (a square plot, so the diagonal of perfect calibration is at
    45°), narrow enough for a phone; its text stays at 12 pixels or more.
    """

    points: list[CalibrationPoint]
    ticks: list[tuple[float, str]]  # offsets along either axis from the plot's origin
    left: float = 54
    top: float = 12
    plot: float = 220
    bottom: float = 52  # room for the ticks and the axis title under the plot
    right: float = 18

    @property
    def width(self) -> float:
        return self.left + self.plot + self.right

    @property
    def height(self) -> float:
        return self.top + self.plot + self.bottom

    @property
    def base(self) -> float:
        return self.top + self.plot

    @property
    def description(self) -> str:
        if not self.points:
            return _("No forecast resolved yet.")
        return "; ".join(point.label for point in self.points)


def calibration_chart(bins: Sequence[Binned]) -> Calibration:
    """Lay out the bins of a calibration chart, each a point sized by how many it holds."""
    chart = Calibration(points=[], ticks=[])
    plot = chart.plot
    points = [
        CalibrationPoint(
            x=chart.left + plot * item.stated,
            y=chart.base - plot * item.observed,
            r=min(4 + 2 * item.count**0.5, 12),
            label=ngettext(
                "%(bin)s: %(num)d forecast, stated %(stated)s on average, %(observed)s came true",
                "%(bin)s: %(num)d forecasts, stated %(stated)s on average, %(observed)s came true",
                item.count,
                bin=item.label,
                stated=format_percent(item.stated),
                observed=format_percent(item.observed),
            ),
        )
        for item in bins
    ]
    ticks = [(plot * share / 100, f"{share}%") for share in range(0, 101, 20)]
    return Calibration(points=points, ticks=ticks)
