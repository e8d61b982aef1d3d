"""Profile pages rendered fresh, posting an update and an import, in process.

    python benchmarks/profiling.py [--updates 1000] [--import-updates 100000] [--database URL]
                                 [--rounds 50] [--top 25] [--profiler cprofile|pyinstrument]

Builds a database as benchmarks/run.py does (size S: the seeded article, 1,000 updates),
through `tracker import`, then drives the app with Flask's test client: the dashboard and the
recommendation with the longest history, each rendered `--rounds` times with the page cache
off, under cProfile; posting a status update (processor time); and, with --import-updates,
the time `tracker import` takes for that many more updates.

cProfile counts every call, and so inflates code made of many small calls (Jinja's macros,
SQLAlchemy's statement building) several times over; pyinstrument (`pip install
'.[benchmark]'`) samples, and shows the tree. Either way, measure a change by the processor
time of `--quiet`, not by a profile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import REDIS, SIZES, Size, compiled, documents, fresh_database  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.db import get_engine  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "benchmark password, long enough"


def tracker(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[float, float]:
    """Run a `tracker` command; return the seconds it took and the processor seconds it used."""
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [str(BIN / "tracker"), *args], env=env, input=stdin, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"tracker {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.perf_counter() - started, cpu


def build(url: str, folder: Path, updates: int) -> dict[str, str]:
    env = os.environ | {"TRACKER_DATABASE_URL": url, "TRACKER_SECRET_KEY": "profile"}
    tracker(env, "init")
    tracker(
        env, "users", "create", "bench@example.org", "--role", "analyst", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "profile"})
    with get_engine(app).connect() as connection:
        seeded = list(connection.execute(text("SELECT slug FROM recommendation")).scalars())
    size = Size("profile", 0, updates, SIZES["S"].evidence_per_update)
    for path in documents(size, seeded, folder):
        tracker(env, "import", str(path))
    return env


def profile(client, path: str, rounds: int, top: int, sampler: str) -> tuple[float, str]:
    """Render `path` `rounds` times under a profiler; return ms a page and its report."""
    client.get(f"{path}?warm=1")
    if sampler == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        start, stop = profiler.start, profiler.stop
    else:
        profiler = cProfile.Profile()
        start, stop = profiler.enable, profiler.disable
    started = time.perf_counter()
    start()
    for n in range(rounds):
        response = client.get(f"{path}?fresh={n}" if "?" not in path else f"{path}&fresh={n}")
        assert response.status_code == 200, response.status_code
    stop()
    elapsed = (time.perf_counter() - started) / rounds * 1000
    if sampler == "pyinstrument":
        return elapsed, profiler.output_text(unicode=False, color=False)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return elapsed, out.getvalue()


def timed(client, path: str, rounds: int, batches: int = 5) -> tuple[float, float]:
    """Render `path` fresh `rounds` times: wall and processor milliseconds a page.

    The processor time is the least of `batches` batches: other work on a loaded machine
    only ever adds to it.
    """
    separator = "&" if "?" in path else "?"
    client.get(f"{path}{separator}warm=1")
    started, cpu = time.perf_counter(), []
    size = max(rounds // batches, 1)
    for batch in range(batches):
        before = time.process_time()
        for n in range(size):
            response = client.get(f"{path}{separator}fresh={batch}-{n}")
            assert response.status_code == 200, response.status_code
        cpu.append((time.process_time() - before) / size * 1000)
    return (time.perf_counter() - started) / (size * batches) * 1000, min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=1_000)
    parser.add_argument("--import-updates", type=int, default=0)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--quiet", action="store_true", help="timings only, no profiles")
    parser.add_argument("--profiler", choices=["cprofile", "pyinstrument"], default="cprofile")
    parser.add_argument(
        "--hits", action="store_true", help="pages from the page cache, with Redis, instead"
    )
    options = parser.parse_args()
    compiled()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if options.import_updates:
            (folder / "import").mkdir()
            url, drop = fresh_database(options.database, folder / "import")
            try:
                env = build(url, folder / "import", 0)
                size = Size("import", 0, options.import_updates, SIZES["M"].evidence_per_update)
                app = create_app({"DATABASE_URL": url, "SECRET_KEY": "profile"})
                with get_engine(app).connect() as connection:
                    slugs = list(
                        connection.execute(text("SELECT slug FROM recommendation")).scalars()
                    )
                get_engine(app).dispose()
                files = documents(size, slugs, folder / "import")
                seconds, cpu = tracker(env, "import", *map(str, files))
                print(
                    f"importing {options.import_updates:,} updates: {seconds:.1f} s, "
                    f"{cpu:.1f} s of processor time"
                )
            finally:
                drop()
            return
        url, drop = fresh_database(options.database, folder)
        try:
            (hits if options.hits else pages_and_posts)(options, url, folder)
        finally:
            drop()


def busiest_recommendation(app) -> str:  # type: ignore[no-untyped-def]
    with get_engine(app).connect() as connection:
        return connection.execute(text(
            "SELECT r.slug FROM recommendation r"
            " JOIN status_update u ON u.recommendation_id = r.id"
            " GROUP BY r.slug ORDER BY count(*) DESC LIMIT 1")).scalar()  # fmt: skip


def hits(options: argparse.Namespace, url: str, folder: Path) -> None:
    """The same page asked for again and again, from the page cache, the data's version and
    the sessions held in Redis as `tracker serve` keeps them with TRACKER_REDIS_URL."""
    build(url, folder, options.updates)
    redis_url = os.environ.get("TRACKER_BENCH_REDIS_URL", REDIS)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "profile", "REDIS_URL": redis_url,
         "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute"}
    )  # fmt: skip
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login", data={"csrf_token": token, "email": "bench@example.org", "password": PASSWORD}
    )
    assert client.get("/").status_code == 200  # the welcome message, shown once, not kept
    floor = Flask(__name__)
    floor.add_url_rule("/", "hello", lambda: "hello world")
    pages = {
        "dashboard": (client, "/"),
        "recommendation": (client, f"/recommendations/{busiest_recommendation(app)}"),
        "a bare Flask app's hello (the floor)": (floor.test_client(), "/"),
    }
    for name, (asking, path) in pages.items():
        asking.get(path)  # kept
        if options.quiet:
            cpu = []
            for _ in range(5):
                before = time.process_time()
                for _ in range(options.rounds):
                    response = asking.get(path)
                    assert response.status_code == 200, response.status_code
                cpu.append((time.process_time() - before) / options.rounds * 1000)
            print(f"{name}, from the cache: {min(cpu):.3f} ms of processor time")
            continue
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0001)
        profiler.start()
        for _ in range(options.rounds):
            assert asking.get(path).status_code == 200
        profiler.stop()
        print(f"== {name}, from the cache\n{profiler.output_text(unicode=False, color=False)}")
    get_engine(app).dispose()


def pages_and_posts(options: argparse.Namespace, url: str, folder: Path) -> None:
    build(url, folder, options.updates)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "profile", "PAGE_CACHE_SIZE": 0,
         "WTF_CSRF_ENABLED": False}
    )  # fmt: skip
    busiest = busiest_recommendation(app)
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    pages = {
        "dashboard": "/",
        "recommendation": f"/recommendations/{busiest}",
        "search": "/search?q=talks",
        "API list": "/api/v1/recommendations",
    }
    for name, path in pages.items():
        if options.quiet:
            wall, cpu = timed(client, path, options.rounds)
            print(f"{name}: {wall:.1f} ms a page, {cpu:.1f} ms of processor time")
            continue
        elapsed, report = profile(client, path, options.rounds, options.top, options.profiler)
        print(f"== {name} ({path}): {elapsed:.1f} ms a page\n{report}")
    form = {
        "status": "in_progress", "as_of": "2021-10-10", "assessment": "Talks resumed.",
        "change_reason": "Measured.",
        "confidence": "moderate", "evidence-0-url": "https://news.example.org/p",
        "evidence-0-title": "Report", "evidence-0-publisher": "Example News",
        "evidence-0-excerpt": "Quoted.", "evidence-0-stance": "supports",
        "evidence-0-reliability": "B", "evidence-0-credibility": "2",
        "save": "Log status update",
    }  # fmt: skip
    posts = 50

    def post() -> float:
        """Post once; return the processor time it took. The page the browser is sent to
        next shows the post's message and drops it: here it is dropped, untimed, or every
        post would carry all the earlier ones in its cookie."""
        started = time.process_time()
        response = client.post(f"/recommendations/{busiest}/updates/new", data=form)
        spent = time.process_time() - started
        assert response.status_code == 302, response.status_code
        with client.session_transaction() as cookie:
            cookie.pop("_flashes", None)
        return spent

    post()
    cpu = min(
        sum(post() for _ in range(posts // 5)) / (posts // 5) * 1000 for _ in range(5)
    )  # the least of 5 batches, as for the pages
    print(f"posting an update: {cpu:.2f} ms of processor time")
    if not options.quiet and options.profiler == "pyinstrument":
        from pyinstrument import Profiler

        sampler = Profiler(interval=0.0002)
        for _ in range(posts * 4):
            sampler.start()
            client.post(f"/recommendations/{busiest}/updates/new", data=form)
            sampler.stop()
            with client.session_transaction() as cookie:
                cookie.pop("_flashes", None)
        print(f"== posting an update\n{sampler.output_text(unicode=False, color=False)}")
    elif not options.quiet:
        profiler = cProfile.Profile()
        for _ in range(posts):
            profiler.enable()
            client.post(f"/recommendations/{busiest}/updates/new", data=form)
            profiler.disable()
            with client.session_transaction() as cookie:
                cookie.pop("_flashes", None)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(options.top)
        stats.sort_stats("tottime").print_stats(options.top)
        print(f"== posting an update\n{out.getvalue()}")
    get_engine(app).dispose()


if __name__ == "__main__":
    main()
