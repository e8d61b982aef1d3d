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
