"""The geometry behind the charts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from tracker.charts import (
    Bar,
    BarChart,
    Segment,
    TimeScale,
    common_scale,
    segments,
    text_width,
    timeline,
    window_start,
)
from tracker.vocabulary import Status

D = dt.date.fromisoformat


def test_segments_follow_the_status_in_force() -> None:
    spans = segments(
        [(D("2020-03-01"), Status.IN_PROGRESS), (D("2020-06-01"), Status.STALLED)],
        D("2020-01-01"),
        D("2021-01-01"),
    )
    assert spans == [
        Segment(D("2020-01-01"), D("2020-03-01"), Status.NOT_ASSESSED),
        Segment(D("2020-03-01"), D("2020-06-01"), Status.IN_PROGRESS),
        Segment(D("2020-06-01"), D("2021-01-01"), Status.STALLED),
    ]


def test_last_judgement_of_a_day_holds_and_equal_neighbours_merge() -> None:
    spans = segments(
        [
            (D("2020-03-01"), Status.IN_PROGRESS),
            (D("2020-03-01"), Status.NO_ACTION),  # logged later the same as-of day: it holds
            (D("2020-05-01"), Status.NO_ACTION),
        ],
        D("2020-03-01"),
        D("2020-12-31"),
    )
    assert spans == [Segment(D("2020-03-01"), D("2020-12-31"), Status.NO_ACTION)]


def test_judgements_before_the_window_set_its_first_status() -> None:
    spans = segments([(D("2019-05-01"), Status.STALLED)], D("2020-01-01"), D("2020-02-01"))
    assert spans == [Segment(D("2020-01-01"), D("2020-02-01"), Status.STALLED)]
    assert segments([], D("2020-01-01"), D("2020-02-01")) == [
        Segment(D("2020-01-01"), D("2020-02-01"), Status.NOT_ASSESSED)
    ]


def test_bars_scale_and_describe_themselves() -> None:
    bar = Bar("All", Counter({Status.IMPLEMENTED: 1, Status.NOT_ASSESSED: 3}))
    assert [(p.status, p.count, p.x, p.width) for p in bar.pieces()] == [
        (Status.NOT_ASSESSED, 3, 0.0, 75.0),
        (Status.IMPLEMENTED, 1, 75.0, 25.0),
    ]
    assert bar.description == "All: Not yet assessed: 3, Implemented: 1"


def test_bars_share_one_scale_so_5_is_five_times_1() -> None:
    five = Bar("Five", Counter({Status.IN_PROGRESS: 3, Status.STALLED: 2}))
    one = Bar("One", Counter({Status.IN_PROGRESS: 1}))
    scale = common_scale([five], [one])
    assert scale == 5
    chart = BarChart.of([five, one], scale=scale)
    ends = [sum(piece.width for piece in bar.pieces(chart.scale)) for bar in chart]
    assert ends == [100.0, 20.0]
    assert BarChart.of([five, one]).scale == 5  # a chart alone takes its longest bar


def test_counts_show_only_where_their_pill_fits() -> None:
    bar = Bar("Many", Counter({Status.IN_PROGRESS: 1, Status.NOT_ASSESSED: 99}))
    large, small = bar.pieces()  # in `Status` order: not yet assessed first
    assert large.shows_count(240) and not small.shows_count(240)


def test_time_scale_maps_dates_in_percent_and_ticks_years() -> None:
    scale = TimeScale(D("2020-01-01"), D("2024-01-01"))
    assert scale.x(D("2020-01-01")) == 0
    assert scale.x(D("2024-01-01")) == 100
    assert [tick.label for tick in scale.ticks(600)] == ["2021", "2022", "2023", "2024"]
    assert scale.ticks(600)[-1].anchor == "end"  # at the right edge: it does not run off
    short = TimeScale(D("2020-01-15"), D("2020-04-15"))
    assert [tick.label for tick in short.ticks(600)] == ["Feb 2020", "Mar", "Apr"]
    year = TimeScale(D("2025-12-01"), D("2026-12-01"))
    assert len(year.ticks(280)) < len(year.ticks(600))  # fewer on a phone
    for reference in (280, 600):
        ticks = year.ticks(reference)
        lefts = [tick.x * reference / 100 for tick in ticks]
        assert all(b - a > 40 for a, b in zip(lefts, lefts[1:], strict=False))


def test_a_long_history_is_drawn_at_the_charts_resolution() -> None:
    start = dt.date(2020, 1, 1)
    scale = TimeScale(start, start + dt.timedelta(days=2000))
    statuses = [Status.IN_PROGRESS, Status.STALLED]
    daily = [(start + dt.timedelta(days=n), statuses[n % 2]) for n in range(2000)]
    spans = segments(daily, start, scale.end)
    assert len(spans) == 2000
    shown = scale.visible(spans, resolution=2)
    assert len(shown) <= 50  # one every 2 percent at most
    assert shown[0].start == start and shown[-1].end == scale.end
    assert all(left.end == right.start for left, right in zip(shown, shown[1:], strict=False))
    # Each column shows the status in force at its end: day 1999 is odd, so stalled.
    assert shown[-1].status is Status.STALLED
    few = spans[:10]
    assert scale.visible(few) == few  # what fits is drawn as it is


def test_markers_are_kept_one_per_column_saying_how_many() -> None:
    start = dt.date(2020, 1, 1)
    scale = TimeScale(start, start + dt.timedelta(days=100))
    marks = [(start + dt.timedelta(days=n), f"mark {n}") for n in (8, 9, 10, 50)]
    assert scale.markers(marks, resolution=4) == [
        (start + dt.timedelta(days=10), "mark 10 (latest of 3)"),
        (start + dt.timedelta(days=50), "mark 50"),
    ]
    assert scale.markers([(start - dt.timedelta(days=1), "before")]) == []  # outside: none


def test_the_current_status_is_labelled_even_as_a_sliver() -> None:
    start, end = D("2020-01-01"), D("2026-12-01")
    scale = TimeScale(start, end)
    spans = segments([(D("2026-11-20"), Status.IN_PROGRESS)], start, end)
    labels = scale.labels(spans, 560)
    current = [label for label in labels if label.current]
    assert [(label.text, label.anchor, label.x) for label in current] == [
        ("In progress", "end", 100.0)
    ]
    # The long span before it is labelled too, clear of the current label.
    assert [label.text for label in labels] == ["Not yet assessed", "In progress"]
    wide = [(label.text, label.x) for label in labels if not label.current]
    assert wide == [("Not yet assessed", 0.0)]


def test_labels_never_overlap_at_the_reference_width_or_wider() -> None:
    start, end = D("2020-01-01"), D("2021-01-01")
    scale = TimeScale(start, end)
    judgements = [
        (D("2020-02-01"), Status.NO_ACTION),
        (D("2020-03-01"), Status.IN_PROGRESS),
        (D("2020-03-10"), Status.STALLED),
        (D("2020-09-01"), Status.PARTIAL),
        (D("2020-12-20"), Status.CONTRADICTED),
    ]
    spans = segments(judgements, start, end)
    for reference in (560, 900, 1400):
        boxes = []
        for label in scale.labels(spans, 560):
            width = text_width(label.text, bold=label.current)
            left = label.x * reference / 100 + (0 if label.anchor == "start" else -width)
            boxes.append((left, left + width))
        boxes.sort()
        assert all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:], strict=False)), (reference, boxes)
        assert boxes[-1][1] <= reference + 1 and boxes[0][0] >= 0


def test_a_window_of_twelve_months_keeps_a_recent_change_legible() -> None:
    judgements = [(D("2020-03-01"), Status.NO_ACTION), (D("2026-10-01"), Status.IN_PROGRESS)]
    start, end = D("2020-01-01"), D("2026-12-01")
    everything = timeline(judgements, start, end, window="all")
    recent = timeline(judgements, start, end, window="12m")
    assert everything.scale.start == start
    assert recent.scale.start == D("2025-12-01")
    width = recent.scale.x(end) - recent.scale.x(D("2026-10-01"))
    assert width > 15  # two months of twelve, not a sliver
    assert everything.scale.x(end) - everything.scale.x(D("2026-10-01")) < 3
    assert [span.status for span in recent.spans] == [Status.NO_ACTION, Status.IN_PROGRESS]
    assert recent.current.status is Status.IN_PROGRESS
    assert [label.text for label in recent.narrow_labels] == ["In progress"]
    # A source younger than the window: the window starts where the history does.
    assert window_start(D("2026-06-01"), end, "12m") == D("2026-06-01")
    assert window_start(D("2024-02-29"), D("2025-02-28"), "12m") == D("2024-02-29")


def test_a_window_says_when_the_statuses_it_cuts_began() -> None:
    end = D("2026-12-01")
    long_ago = timeline([(D("2021-10-10"), Status.IN_PROGRESS)], D("2020-01-01"), end)
    assert long_ago.clipped and long_ago.since == D("2021-10-10")
    assert long_ago.description == "In progress from 2021-10-10 to 2026-12-01"
    two = timeline(
        [(D("2020-03-01"), Status.NO_ACTION), (D("2026-10-01"), Status.IN_PROGRESS)],
        D("2020-01-01"),
        end,
    )
    assert two.description == (
        "No action from before 2025-12-01 to 2026-10-01; In progress from 2026-10-01 to 2026-12-01"
    )
    whole = timeline([(D("2021-10-10"), Status.IN_PROGRESS)], D("2020-01-01"), end, window="all")
    assert not whole.clipped
    assert whole.description.startswith("Not yet assessed from 2020-01-01 to 2021-10-10; ")
