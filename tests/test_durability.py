"""Nothing acknowledged is lost: concurrent writers, a worker killed mid-write, a database outage.

Tracker runs here as in production, `tracker serve` in subprocesses on 127.0.0.1, and the
clients use the real forms. Each test writes for a few seconds, then reads the database back.
"""

from __future__ import annotations

import glob
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.engine import make_engine
from tracker.models import StatusUpdate

from .helpers import (
    Browser,
    ServedTracker,
    broken_updates,
    free_port,
    prepare_served_database,
    served,
    squash,
    tracker_environment,
)

WRITE_SECONDS = 3
WRITERS = 4
READERS = 2


@dataclass
class Tally:
    """What the clients tried, and what the servers answered."""

    attempted: set[str] = field(default_factory=set)
    acknowledged: set[str] = field(default_factory=set)
    write_answers: Counter[int | str] = field(default_factory=Counter)
    read_answers: Counter[int] = field(default_factory=Counter)
    connection_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def write_until(stop: threading.Event, browser: Browser, ports: list[int], tally: Tally) -> None:
    """Log updates, each with its own assessment, fetching the form and posting it in turn."""
    turn = 0
    while not stop.is_set():
        assessment = f"Load test {uuid.uuid4().hex}"
        form_port, post_port = ports[turn % len(ports)], ports[(turn + 1) % len(ports)]
        turn += 1
        with tally.lock:
            tally.attempted.add(assessment)
        try:
            reply, posted = browser.log_update(assessment, form_port=form_port, port=post_port)
        except (OSError, http.client.HTTPException) as error:
            with tally.lock:
                tally.connection_errors.append(repr(error))
            continue
        with tally.lock:
            if not posted:
                tally.attempted.discard(assessment)  # the form never came: nothing was posted
                tally.write_answers[f"form {reply.status}"] += 1
            else:
                tally.write_answers[reply.status] += 1
                if reply.status == 302:
                    tally.acknowledged.add(assessment)


def read_until(stop: threading.Event, browser: Browser, ports: list[int], tally: Tally) -> None:
    turn = 0
    while not stop.is_set():
        turn += 1
        try:
            reply = browser.get("/", port=ports[turn % len(ports)])
        except (OSError, http.client.HTTPException) as error:
            with tally.lock:
                tally.connection_errors.append(repr(error))
            continue
        with tally.lock:
            tally.read_answers[reply.status] += 1


@dataclass
class Load:
    """Client threads writing and reading until stopped."""

    ports: list[int]
    writers: int = WRITERS
    readers: int = READERS
    tally: Tally = field(default_factory=Tally)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)

    def start(self) -> None:
        # One analyst in several tabs: one login, its cookies in every tab.
        first = Browser(self.ports[0])
        first.log_in()
        for index in range(self.writers + self.readers):
            browser = Browser(self.ports[0], dict(first.cookies))
            work = write_until if index < self.writers else read_until
            thread = threading.Thread(target=self.run, args=(work, browser), daemon=True)
            self.threads.append(thread)
            thread.start()

    def run(self, work: Callable[..., None], browser: Browser) -> None:
        try:
            work(self.stop, browser, self.ports, self.tally)
        except BaseException as error:  # a bug in the test's own client must fail the test
            self.failures.append(error)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        assert not [thread for thread in self.threads if thread.is_alive()], "clients hung"
        assert not self.failures, self.failures

    def __enter__(self) -> Load:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def found_updates(database_url: str) -> tuple[Counter[str], dict[str, int]]:
    """How often each load-test assessment is stored, and the halves of writes found."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            stored = session.scalars(
                select(StatusUpdate.assessment).where(StatusUpdate.assessment.like("Load test %"))
            )
            return Counter(stored), broken_updates(session)
    finally:
        engine.dispose()


def check_nothing_lost(name: str, database_url: str, tally: Tally) -> str:
    """Assert every acknowledged write is stored exactly once and no write is half-stored."""
    found, broken = found_updates(database_url)
    summary = (
        f"{name}: {len(tally.attempted)} writes attempted, {len(tally.acknowledged)} "
        f"acknowledged, {sum(found.values())} found; write answers {dict(tally.write_answers)}, "
        f"read answers {dict(tally.read_answers)}, {len(tally.connection_errors)} connection errors"
    )
    print(f"\n{summary}")
    assert tally.acknowledged, summary
    assert tally.acknowledged - set(found) == set(), f"acknowledged writes lost; {summary}"
    assert {text: count for text, count in found.items() if count != 1} == {}, summary
    assert set(found) - tally.attempted == set(), summary
    assert broken == dict.fromkeys(broken, 0), summary
    return summary


def server_errors(log: str) -> list[str]:
    """Lines of the access log with a 5xx status."""
    return re.findall(r'^.*" 5\d\d \d+ .*$', log, re.MULTILINE)


@pytest.fixture
def served_environment(empty_database_url: str) -> dict[str, str]:
    """A migrated, seeded database with an analyst, and the environment to serve it."""
    prepare_served_database(empty_database_url)
    return tracker_environment(empty_database_url, TRACKER_WORKERS="2", TRACKER_THREADS="4")


def backend(environment: dict[str, str]) -> str:
    return environment["TRACKER_DATABASE_URL"].split(":", 1)[0].split("+")[0]


def test_concurrent_writers_lose_nothing(
    served_environment: dict[str, str], tmp_path: Path
) -> None:
    name = backend(served_environment)
    # Two writing processes either way: two servers of one worker each on PostgreSQL, one
    # server of two workers on SQLite.
    count = 2 if name == "postgresql" else 1
    environment = {**served_environment, "TRACKER_WORKERS": str(3 - count)}
    servers = [ServedTracker(environment, tmp_path / f"serve-{n}.log") for n in range(count)]
    try:
        for server in servers:
            server.wait_until_answering()
        with Load([server.port for server in servers]) as load:
            time.sleep(WRITE_SECONDS)
            load.finish()
    finally:
        for server in servers:
            server.terminate()
        statuses = [server.stop() for server in servers]
    logs = "\n".join(server.log() for server in servers)
    summary = check_nothing_lost(name, served_environment["TRACKER_DATABASE_URL"], load.tally)
    tally = load.tally
    assert tally.acknowledged == tally.attempted, summary
    assert set(tally.write_answers) == {302}, summary
    assert set(tally.read_answers) == {200}, summary
    assert tally.connection_errors == [], summary
    assert "database is locked" not in logs
    assert "Traceback" not in logs
    assert server_errors(logs) == []
    assert statuses == [0] * count


def test_a_worker_killed_mid_write_loses_no_acknowledged_write(
    served_environment: dict[str, str], tmp_path: Path
) -> None:
    name = backend(served_environment)
    with served(served_environment, tmp_path / "serve.log") as server, Load([server.port]) as load:
        time.sleep(WRITE_SECONDS / 2)
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        acknowledged_at_kill = len(load.tally.acknowledged)
        time.sleep(WRITE_SECONDS / 2)
        load.finish()
        # The master forks a replacement once it notices the death: wait for it, within bounds.
        for _ in range(300):
            workers_after = server.worker_pids()
            if len(workers_after) == 2 and victim not in workers_after:
                break
            time.sleep(0.1)
    log = server.log()
    tally = load.tally
    url = served_environment["TRACKER_DATABASE_URL"]
    summary = check_nothing_lost(f"{name}, worker {victim} killed", url, tally)
    assert victim not in workers_after, summary
    assert len(workers_after) == 2, f"the master did not replace the worker; {summary}\n{log}"
    assert len(tally.acknowledged) > acknowledged_at_kill, f"no write after the kill; {summary}"
    assert server_errors(log) == [], summary
    assert "database is locked" not in log


# A database outage, on a PostgreSQL server of the test's own that it can stop and start.


def postgres_program(name: str) -> str | None:
    """Find a PostgreSQL server program on PATH, or where Debian installs it."""
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return installed[-1] if installed else None


class PrivatePostgres:
    """A PostgreSQL server in a temporary folder, on its own port on 127.0.0.1."""

    def __init__(self) -> None:
        initdb, pg_ctl = postgres_program("initdb"), postgres_program("pg_ctl")
        if not (initdb and pg_ctl):
            pytest.skip("initdb and pg_ctl are not installed: no private PostgreSQL server to stop")
        assert initdb and pg_ctl
        self.pg_ctl = pg_ctl
        self.as_user: list[str] = []
        owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
            if not shutil.which("runuser"):
                pytest.skip("running as root and runuser is missing to run PostgreSQL as postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        # Under /tmp rather than pytest's folder, which only root may enter.
        self.folder = Path(tempfile.mkdtemp(prefix="tracker-postgres-"))
        if owner is not None:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.run(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def run(self, *arguments: str) -> None:
        finished = subprocess.run(
            [*self.as_user, *arguments], capture_output=True, text=True, timeout=120
        )
        assert finished.returncode == 0, f"{arguments[0]}: {finished.stdout}{finished.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self.run(
            self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
            "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        # Fast: open connections are cut, as when a server crashes or is restarted.
        self.run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


def test_an_outage_answers_503_and_the_app_recovers_without_a_restart(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    prepare_served_database(private_postgres.url)
    environment = tracker_environment(private_postgres.url)
    with (
        served(environment, tmp_path / "serve.log") as server,
        Load([server.port], writers=2, readers=0) as load,
    ):
        visitor = Browser(server.port)
        visitor.log_in()
        time.sleep(1)
        before = visitor.get("/")
        private_postgres.stop()
        page = visitor.get("/")
        health = visitor.get("/healthz")
        # Let the writers meet the outage too (bounded: they write many times a second).
        for _ in range(100):
            if refused_writes(load.tally):
                break
            time.sleep(0.1)
        private_postgres.start()
        after = visitor.get("/")
        health_after = visitor.get("/healthz")
        time.sleep(1)
        load.finish()
    log = server.log()
    summary = check_nothing_lost("postgresql outage", private_postgres.url, load.tally)

    assert before.status == 200, summary
    assert page.status == 503, squash(page.body)
    assert "<h1>Service unavailable</h1>" in page.body
    assert 'class="site-header"' in page.body
    assert not [word for word in ("Traceback", "psycopg", "OperationalError") if word in page.body]
    assert (health.status, json.loads(health.body)) == (503, {"status": "unavailable"})
    # The same app, never restarted, answers again once the database is back.
    assert after.status == 200, squash(after.body)
    assert (health_after.status, json.loads(health_after.body)) == (200, {"status": "ok"})
    assert "the database is unavailable" in log and "OperationalError" in log
    assert [line for line in server_errors(log) if '" 503 ' not in line] == []
    assert refused_writes(load.tally), f"no write met the outage; {summary}"


def refused_writes(tally: Tally) -> int:
    """Writes answered 503, at the form or at the post."""
    with tally.lock:
        return tally.write_answers[503] + tally.write_answers["form 503"]
