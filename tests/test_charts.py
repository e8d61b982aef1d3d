"""The geometry behind the charts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from tracker.charts import Bar, Segment, TimeScale, segments
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
    assert [(s, c, x, w) for s, c, x, w in bar.pieces(100)] == [
        (Status.NOT_ASSESSED, 3, 0.0, 75.0),
        (Status.IMPLEMENTED, 1, 75.0, 25.0),
    ]
    assert bar.description == "All: Not yet assessed: 3, Implemented: 1"


def test_time_scale_maps_dates_and_ticks_years() -> None:
    scale = TimeScale(D("2020-01-01"), D("2024-01-01"), width=400, left=10)
    assert scale.x(D("2020-01-01")) == 10
    assert scale.x(D("2024-01-01")) == 410
    assert [label for _, label in scale.ticks()] == ["2021", "2022", "2023", "2024"]
    short = TimeScale(D("2020-01-15"), D("2020-04-15"), width=100)
    assert [label for _, label in short.ticks()] == ["Feb 2020", "Mar 2020", "Apr 2020"]


def test_a_long_history_is_drawn_at_the_charts_resolution() -> None:
    start = dt.date(2020, 1, 1)
    scale = TimeScale(start, start + dt.timedelta(days=2000), width=100)
    statuses = [Status.IN_PROGRESS, Status.STALLED]
    daily = [(start + dt.timedelta(days=n), statuses[n % 2]) for n in range(2000)]
    spans = segments(daily, start, scale.end)
    assert len(spans) == 2000
    shown = scale.visible(spans)
    assert len(shown) <= 50  # one every 2 pixels at most
    assert shown[0].start == start and shown[-1].end == scale.end
    assert all(left.end == right.start for left, right in zip(shown, shown[1:], strict=False))
    # Each column shows the status in force at its end: day 1999 is odd, so stalled.
    assert shown[-1].status is Status.STALLED
    few = spans[:10]
    assert scale.visible(few) == few  # what fits is drawn as it is


def test_markers_are_kept_one_per_few_pixels_saying_how_many() -> None:
    start = dt.date(2020, 1, 1)
    scale = TimeScale(start, start + dt.timedelta(days=100), width=100)
    marks = [(start + dt.timedelta(days=n), f"mark {n}") for n in (8, 9, 10, 50)]
    assert scale.markers(marks) == [
        (start + dt.timedelta(days=10), "mark 10 (latest of 3)"),
        (start + dt.timedelta(days=50), "mark 50"),
    ]
