"""Benchmark Tracker's pages at three sizes of history, against the floor of a bare Flask app.

    python benchmarks/run.py [--sizes S,M,L] [--databases sqlite,postgresql] [--duration 10]
                             [--output benchmarks/RESULTS.md]

`--quick` is `--sizes S --duration 2 --output <a temporary file>`: a check that the whole
run works, whose figures mean little, which leaves RESULTS.md as it is.

Each data set is built through `tracker import`, served by `tracker serve` (gunicorn) on
loopback and loaded with wrk; the floor is a "hello world" Flask app served with the same
settings beside it for the whole run, and measured again just before each page (for half as
long): this machine's speed moves by up to three times within minutes, and a page is
compared with the floor of the same minute. Results are printed and written to
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import http.cookiejar
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import redis
import sqlalchemy
from sqlalchemy import create_engine, event, text

import tracker as tracker_package
from tracker.serving import server_options

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "benchmark password, long enough"
# Sessions are bound to the browser that logged in: wrk must present the same one.
USER_AGENT = "tracker-benchmark"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
IN_PROCESS = "## In process, profiled"
# Where the served app keeps the data's version, so that a cached page costs no database
# round trip (issue 15); the run goes without it when it does not answer.
REDIS = os.environ.get("TRACKER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
POSTGRES = os.environ.get(
    "TRACKER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class Size:
    name: str
    recommendations: int  # added to the seeded article's; 0: the seeded article alone
    updates: int
    evidence_per_update: int


SIZES = {
    "S": Size("S", 0, 1_000, 1),
    "M": Size("M", 1_000, 100_000, 2),
    "L": Size("L", 1_000, 1_000_000, 2),
}
CHUNK = 50_000  # updates per import file
# Pages also loaded with a new query string each time, so that none comes from the page cache.
RENDERED = ("dashboard", "recommendation (longest history)", "search", "API list")
STATUSES = [
    "no_action",
    "in_progress",
    "partially_implemented",
    "implemented",
    "stalled",
    "contradicted",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tracker(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(BIN / "tracker"), *args], env=env, input=stdin, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"tracker {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def documents(size: Size, seeded: list[str], folder: Path) -> list[Path]:
    """Write the import files: recommendations first, then updates in chunks."""
    chooser = random.Random(size.updates)
    slugs = list(seeded)
    files = []
    base = {"format": "tracker-export", "version": 1, "actors": [], "themes": [], "authors": []}
    if size.recommendations:
        recs = [
            {
                "slug": f"bench-{n:04d}", "position": n, "title": f"Benchmark recommendation {n}",
                "summary": "A recommendation made for the benchmark.", "passage": f"Passage {n}.",
                "theme": "security-cooperation", "actors": ["united-states"], "condition": None,
            }
            for n in range(1, size.recommendations + 1)
        ]  # fmt: skip
        source = {
            "slug": "benchmark-report", "kind": "report", "title": "Benchmark report",
            "author": "Bench Author", "publisher": "Bench Press", "url": "https://example.org/r",
            "published_on": "2020-01-01", "date_precision": "day", "text": None,
            "recommendations": recs,
        }  # fmt: skip
        path = folder / "sources.json"
        path.write_text(json.dumps(base | {"sources": [source], "updates": []}))
        files.append(path)
        slugs += [rec["slug"] for rec in recs]
    days = (dt.date.today() - dt.date(2020, 2, 1)).days  # as-of dates up to yesterday
    latest = dt.datetime.combine(dt.date.today(), dt.time(), dt.UTC)

    def logged(as_of: dt.date, n: int) -> dt.datetime:
        """Analysts log within weeks of the as-of date, never before it, and never twice at once."""
        moment = dt.datetime.combine(as_of, dt.time(), dt.UTC) + dt.timedelta(
            days=chooser.randrange(30), seconds=n % 86_400
        )
        return min(moment, latest - dt.timedelta(microseconds=n))

    for first in range(0, size.updates, CHUNK):
        updates = []
        for n in range(first, min(first + CHUNK, size.updates)):
            as_of = dt.date(2020, 2, 1) + dt.timedelta(days=chooser.randrange(days))
            updates.append({
                "key": f"bench-{n}", "recommendation": chooser.choice(slugs),
                "author": f"analyst{n % 5}@example.org",
                "logged_at": logged(as_of, n).isoformat(),
                "status": chooser.choice(STATUSES), "as_of": as_of.isoformat(),
                "confidence": "moderate", "assessment": f"Development number {n} noted.",
                "retracted": None,
                "evidence": [
                    {"url": f"https://news.example.org/{n}/{e}", "title": f"Report {n}.{e}",
                     "publisher": "Example News", "published_on": None,
                     "excerpt": "Officials confirmed the talks resumed.", "stance": "supports",
                     "reliability": "B", "credibility": "2"}
                    for e in range(size.evidence_per_update)
                ],
            })  # fmt: skip
        path = folder / f"updates-{first // CHUNK:03d}.json"
        path.write_text(json.dumps(base | {"sources": [], "updates": updates}))
        files.append(path)
    return files


class Server:
    """A server process on a free loopback port ("{port}" in its command), stopped on exit."""

    def __init__(self, command: list[str], env: dict[str, str], ready: str = "/") -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [part.replace("{port}", str(self.port)) for part in command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(300):  # a loaded machine takes a while to start gunicorn
            try:
                urllib.request.urlopen(self.url + ready, timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"server did not start: {command}")

    def worker_memory_mb(self) -> float:
        """The largest resident size among the gunicorn workers."""
        children = (
            Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        )
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return max(sizes)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker still busy with a request wrk left behind
            self.process.kill()
            self.process.wait()


def login(url: str) -> tuple[str, str]:
    """Log in as the benchmark analyst; return the cookie header and a CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        opener.open(url + "/login").read().decode(),
    ).group(1)
    data = urllib.parse.urlencode(
        {"csrf_token": token, "email": "bench@example.org", "password": PASSWORD}
    )
    opener.open(url + "/login", data.encode())
    page = opener.open(url + "/").read().decode()  # shows the welcome message once
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return "; ".join(f"{c.name}={c.value}" for c in jar), token


def check_page(url: str, cookie: str) -> None:
    """Make sure the page itself answers, not a redirect to the login page."""
    request = urllib.request.Request(url, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    with urllib.request.urlopen(request) as response:
        if response.status != 200 or "/login" in response.url:
            raise SystemExit(f"{url} answered {response.status} at {response.url}")


@dataclass
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def wrk(
    url: str, cookie: str = "", duration: int = 10, connections: int = 8, script: Path | None = None
) -> Measure:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def latency(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Measure(
        float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        latency("50%"), latency("99%"), int(errors.group(1)) if errors else 0,
        int(re.search(r"(\d+) requests in", out).group(1)),
    )  # fmt: skip


def statements_per_page(database_url: str, paths: dict[str, str]) -> dict[str, int]:
    """Count the SQL statements each page costs, in process, after a first warming request."""
    from tracker import create_app
    from tracker.db import get_engine

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "PAGE_CACHE_SIZE": 0,
        }
    )
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    client.get("/")
    counts = {}
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(get_engine(app), "before_cursor_execute", listener)
    for name, path in paths.items():
        statements.clear()
        client.get(path)
        counts[name] = len(statements)
    event.remove(get_engine(app), "before_cursor_execute", listener)
    get_engine(app).dispose()
    return counts


def stored_updates(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM status_update")).scalar()
    engine.dispose()
    return count


def post_script(folder: Path, slug: str, token: str) -> Path:
    """A wrk script that logs an update; its reason lets it move the status in force any way."""
    body = urllib.parse.urlencode({
        "csrf_token": token, "status": "in_progress", "as_of": dt.date.today().isoformat(),
        "assessment": "Logged under load.", "confidence": "moderate",
        "change_reason": "Measured under load.",
        "evidence-0-url": "https://news.example.org/load", "evidence-0-title": "Load",
        "evidence-0-publisher": "Bench", "evidence-0-excerpt": "Under load.",
        "evidence-0-stance": "supports", "evidence-0-reliability": "B",
        "evidence-0-credibility": "2",
        "save": "Log status update",
    })  # fmt: skip
    path = folder / "post.lua"
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
    )
    return path


def render_script(folder: Path, path: str) -> Path:
    """A wrk script that asks for `path` with a new query each time: no page is served twice."""
    script = folder / f"render-{abs(hash(path))}.lua"
    separator = "&" if "?" in path else "?"
    script.write_text(
        "counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        f'  local query = "{separator}render=" .. math.random(1, 1000000000) .. "-" .. counter\n'
        f'  return wrk.format(nil, "{path}" .. query)\n'
        "end\n"
    )
    return script


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def fresh_database(kind: str, folder: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite3'}", lambda: None
    name = f"tracker_bench_{os.getpid()}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return sqlalchemy.engine.make_url(POSTGRES).set(database=name).render_as_string(False), drop


def run_size(kind: str, size: Size, duration: int, floor: Floor) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, drop = fresh_database(kind, folder)
        env = os.environ | {
            "TRACKER_DATABASE_URL": url, "TRACKER_SECRET_KEY": "benchmark secret",
            "TRACKER_LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
            "TRACKER_LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
        } | ({"TRACKER_REDIS_URL": REDIS} if redis_answers() else {})  # fmt: skip
        try:
            tracker(env, "init")
            tracker(
                env,
                "users",
                "create",
                "bench@example.org",
                "--role",
                "analyst",
                "--password-stdin",
                stdin=PASSWORD + "\n",
            )
            engine = create_engine(url)
            with engine.connect() as connection:
                seeded = list(connection.execute(text("SELECT slug FROM recommendation")).scalars())
            files = documents(size, seeded, folder)
            updates = [path for path in files if path.name.startswith("updates-")]
            for path in files:
                if path not in updates:
                    tracker(env, "import", str(path))
            print(f"{kind} {size.name}: importing {size.updates:,} updates", flush=True)
            started = time.perf_counter()  # the updates alone, one `tracker import` for all
            tracker(env, "import", *map(str, updates))
            import_seconds = time.perf_counter() - started
            with engine.connect() as connection:
                busiest = connection.execute(text(
                    "SELECT r.slug FROM recommendation r"
                    " JOIN status_update u ON u.recommendation_id = r.id"
                    " GROUP BY r.slug ORDER BY count(*) DESC LIMIT 1")).scalar()  # fmt: skip
                updates = connection.execute(text("SELECT count(*) FROM status_update")).scalar()
            engine.dispose()
            paths = {
                "dashboard": "/",
                "filtered dashboard": "/?theme=security-cooperation&status=in_progress",
                "recommendation (longest history)": f"/recommendations/{busiest}",
                "search": "/search?q=talks",
                "API list": "/api/v1/recommendations",
            }
            statements = statements_per_page(url, paths)
            with Server(
                [str(BIN / "tracker"), "serve", "--port", "{port}"], env, ready="/healthz"
            ) as server:
                cookie, token = login(server.url)
                for name, path in paths.items():
                    check_page(server.url + path, cookie)
                    before = floor.measure()
                    measure = wrk(server.url + path, cookie, duration)
                    rows.append(row(kind, size, name, measure, before, statements[name]))
                for name in RENDERED:
                    script = render_script(folder, paths[name])
                    before = floor.measure()
                    measure = wrk(server.url + paths[name], cookie, duration, 8, script)
                    label = f"{name}, rendered each time"
                    rows.append(row(kind, size, label, measure, before, statements[name]))
                script = post_script(folder, busiest, token)
                floor_before = floor.measure()
                before = stored_updates(url)
                measure = wrk(
                    f"{server.url}/recommendations/{busiest}/updates/new",
                    cookie,
                    duration,
                    8,
                    script,
                )
                # A refused post answers 200 with the form again: only stored ones count.
                if stored_updates(url) - before < measure.requests:
                    raise SystemExit(f"posts to {busiest} were refused: none may count")
                rows.append(
                    row(kind, size, "post a status update (8 writers)", measure, floor_before, None)
                )
                memory = server.worker_memory_mb()
            rows.append({"database": kind, "size": size.name, "page": "facts", "updates": updates,
                         "import_seconds": import_seconds, "memory_mb": memory})  # fmt: skip
        finally:
            drop()
    return rows


def row(
    kind: str, size: Size, page: str, measure: Measure, floor: Measure, statements: int | None
) -> dict:
    return {
        "database": kind, "size": size.name, "page": page, "rps": measure.rps,
        "ratio": measure.rps / floor.rps, "floor": floor.rps, "p50": measure.p50_ms,
        "p99": measure.p99_ms,
        "errors": measure.errors, "statements": statements,
    }  # fmt: skip


class Floor:
    """A bare "hello world" Flask app served with the same gunicorn settings, for the run."""

    def __init__(self, duration: int) -> None:
        self.duration = duration
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        self.server = Server([sys.executable, str(ROOT / "benchmarks" / "floor.py"), "{port}"], env)

    def measure(self, duration: int | None = None) -> Measure:
        """Load it now: for half a page's time unless told."""
        return wrk(self.server.url + "/", duration=duration or max(self.duration // 2, 2))

    def __enter__(self) -> Floor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)


def table(rows: list[dict]) -> str:
    lines = [
        "| database | size | page | req/s | floor just before | × floor | p50 ms | p99 ms"
        " | non-2xx/3xx | SQL statements |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for r in rows:
        if r["page"] == "facts":
            notes.append(
                f"- {r['database']} {r['size']}: {r['updates']:,} updates, imported in "
                f"{r['import_seconds']:.1f} s; worker memory {r['memory_mb']:.0f} MB"
            )
            continue
        statements = "—" if r["statements"] is None else r["statements"]
        lines.append(
            f"| {r['database']} | {r['size']} | {r['page']} | {r['rps']:,.0f} | "
            f"{r['floor']:,.0f} | {r['ratio']:.2f} | {r['p50']:.2f} | {r['p99']:.2f} | "
            f"{r['errors']} | {statements} |"
        )
    return "\n".join([*lines, "", *notes])


def targets(rows: list[dict]) -> str:
    """Check this run's figures against the targets, for each database measured."""
    found = {(r["database"], r["size"], r["page"]): r for r in rows}
    lines = []

    def check(met: bool, text: str) -> None:
        lines.append(f"- {'met' if met else 'NOT MET'}: {text}")

    for kind in dict.fromkeys(r["database"] for r in rows):
        if dashboard := found.get((kind, "S", "dashboard")):
            check(
                dashboard["ratio"] >= 0.5,
                f"{kind}: dashboard at S is {dashboard['ratio']:.2f} of the floor (target 0.5)",
            )
        for name in RENDERED:
            if fresh := found.get((kind, "S", f"{name}, rendered each time")):
                check(
                    fresh["ratio"] >= 0.08,
                    f"{kind}: {name}, rendered each time, at S is {fresh['ratio']:.2f} of the "
                    "floor (target 0.08)",
                )
        for page in (
            "dashboard",
            "recommendation (longest history)",
            *(f"{n}, rendered each time" for n in RENDERED),
        ):
            small, large = found.get((kind, "S", page)), found.get((kind, "L", page))
            if small and large and not large["p50"]:
                check(False, f"{kind}: {page} at L: no request finished within wrk's timeout")
            elif small and large:
                growth = large["p50"] / small["p50"]
                check(
                    growth <= 1.5,
                    f"{kind}: {page}, p50 at L is {growth:.2f}× its p50 at S "
                    f"({large['p50']:.2f} ms against {small['p50']:.2f} ms; target 1.5×)",
                )
        counts: dict[str, dict[str, int]] = {}
        for r in rows:
            if r["database"] == kind and r.get("statements") is not None:
                counts.setdefault(r["page"], {})[r["size"]] = r["statements"]
        for page, by_size in counts.items():
            if len(by_size) > 1:
                check(
                    len(set(by_size.values())) == 1,
                    f"{kind}: {page} costs {by_size} SQL statements by size",
                )
        if post := found.get((kind, "M", "post a status update (8 writers)")):
            check(
                post["p99"] < 50,
                f"{kind}: posting an update at M, p99 {post['p99']:.1f} ms (target 50 ms)",
            )
        if facts := found.get((kind, "M", "facts")):
            check(
                facts["import_seconds"] < 10,
                f"{kind}: importing M's {facts['updates']:,} updates took "
                f"{facts['import_seconds']:.1f} s (target 10 s)",
            )
        if facts := found.get((kind, "L", "facts")):
            check(
                facts["memory_mb"] < 150,
                f"{kind}: worker memory at L {facts['memory_mb']:.0f} MB (target 150 MB)",
            )
    return "\n".join(lines)


def machine() -> str:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = (
        int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        // 1024
        // 1024
    )
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    wrk_version = wrk.split("\n")[0]
    processor = cpu.group(1) if cpu else platform.machine()
    served = server_options("127.0.0.1", 0)
    workers, threads = served["workers"], served["threads"]
    return (
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- Machine: {os.cpu_count()} cores ({processor}), {memory} GiB\n"
        f"- Python {platform.python_version()}, Flask {metadata.version('flask')}, "
        f"SQLAlchemy {sqlalchemy.__version__}, SQLite {sqlite3.sqlite_version}, {wrk_version}\n"
        f"- Server: `tracker serve`, gunicorn gthread, TRACKER_WORKERS={workers}, "
        f"TRACKER_THREADS={threads}; wrk 2 threads, 8 connections; data version "
        + (f"in Redis ({REDIS})" if redis_answers() else "from the database (no Redis)")
    )


def compiled() -> None:
    """Compile the package's modules once, as an installed package has them: a tree run with
    PYTHONDONTWRITEBYTECODE (this machine sets it) would compile them anew in every process
    the run starts, each worker and each command."""
    compileall.compile_dir(Path(tracker_package.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="S,M,L")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--quick", action="store_true", help="size S, 2 s a page, not kept")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.duration = "S", 2
        args.output = Path(tempfile.gettempdir()) / "tracker-benchmark-quick.md"
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    compiled()
    rows = []
    with Floor(args.duration) as floor:
        for kind in args.databases.split(","):
            for name in args.sizes.split(","):
                first = floor.measure(args.duration)
                rows.append(row(kind, SIZES[name], "floor: bare Flask app", first, first, None))
                rows += run_size(kind, SIZES[name], args.duration, floor)
                print(table(rows), flush=True)
    report = f"{table(rows)}\n\n## Targets\n\n{targets(rows)}"
    print(f"\n{targets(rows)}")
    kept = ""
    if args.output.exists() and IN_PROCESS in args.output.read_text():
        # The in-process profiles (benchmarks/profiling.py) are written by hand: keep them.
        kept = IN_PROCESS + args.output.read_text().split(IN_PROCESS, 1)[1]
    args.output.write_text(f"# Benchmark results\n\n{machine()}\n\n{report}\n\n{kept}")
    print(f"\nWritten to {args.output}")


if __name__ == "__main__":
    main()
