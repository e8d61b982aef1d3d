"""Where a page's processor time goes, part by part, without a profiler's distortion.

    python benchmarks/parts.py [--updates 1000] [--rounds 40] [--database sqlite|postgresql]

Builds size S as benchmarks/profiling.py does, then renders the dashboard and the
recommendation with the longest history `--rounds` times each (page cache off, a new query
string each time) and prints the processor milliseconds a page spends in each step of the
view: the functions the view calls, timed where the view looks them up, and the database
driver's own `execute`. A profiler's hooks cost more in code made of many small calls (Jinja,
SQLAlchemy's statement building) and so misstate the shares; this costs a few calls a page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from types import ModuleType

from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profiling import PASSWORD, build  # noqa: E402
from run import fresh_database  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.dashboard import views as dashboard_views  # noqa: E402
from tracker.db import get_engine  # noqa: E402
from tracker.recommendations import views as recommendation_views  # noqa: E402

PARTS = {
    dashboard_views: (
        "render_template", "dashboard", "filter_choices", "recent_judgements",
        "changes_by_recommendation",
    ),
    recommendation_views: (
        "render_template", "get_recommendation_or_404", "timeline_entries", "reviews_between",
        "chart_history", "timeline_chart", "judgement_of", "ledgers", "review_state",
        "active_watch", "load_reviews", "load_marks", "checklist", "signposts_at", "board_of",
        "comments_for", "handles_of_colleagues", "TimelineDrawing", "ForecastForm",
        "CommentForm", "ButtonForm", "TakeForm",
    ),
}  # fmt: skip
spent: defaultdict[str, float] = defaultdict(float)


def timed(module: ModuleType, name: str) -> None:
    step = getattr(module, name)

    def run(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.process_time()
        try:
            return step(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - started

    setattr(module, name, run)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    options = parser.parse_args()
    for module, names in PARTS.items():
        for name in names:
            timed(module, name)
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = fresh_database(options.database, Path(tmp))
        try:
            build(url, Path(tmp), options.updates)
            measure(url, options.rounds)
        finally:
            drop()


def measure(url: str, rounds: int) -> None:
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "parts", "PAGE_CACHE_SIZE": 0,
         "WTF_CSRF_ENABLED": False}
    )  # fmt: skip
    engine = get_engine(app)
    with engine.connect() as connection:
        busiest = connection.execute(text(
            "SELECT r.slug FROM recommendation r"
            " JOIN status_update u ON u.recommendation_id = r.id"
            " GROUP BY r.slug ORDER BY count(*) DESC LIMIT 1")).scalar()  # fmt: skip

    @event.listens_for(engine, "before_cursor_execute")
    def before(connection, *_args) -> None:  # type: ignore[no-untyped-def]
        connection.info["started"] = time.process_time()

    @event.listens_for(engine, "after_cursor_execute")
    def after(connection, *_args) -> None:  # type: ignore[no-untyped-def]
        spent["the driver's execute (all SQL)"] += time.process_time() - connection.info["started"]

    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    for path in ("/", f"/recommendations/{busiest}"):
        client.get(f"{path}?warm=1")
        spent.clear()
        started = time.process_time()
        for n in range(rounds):
            assert client.get(f"{path}?fresh={n}").status_code == 200
        total = (time.process_time() - started) / rounds * 1000
        print(f"{path}: {total:.2f} ms of processor time a page")
        for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
            print(f"  {name}: {seconds / rounds * 1000:.2f} ms")
    engine.dispose()


if __name__ == "__main__":
    main()
