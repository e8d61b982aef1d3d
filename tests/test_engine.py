"""SQLite's writers wait their turn in a queue of their own, not in SQLite's sleeping retries."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tracker.engine import WriterQueue, make_engine


def test_a_writer_waits_its_turn_in_the_queue(tmp_path: Path) -> None:
    database = tmp_path / "queue.db"
    writers = make_engine(f"sqlite:///{database}").execution_options(sqlite_immediate=True)
    with writers.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE event (name TEXT)")
    # Another process's writer holds the turn; SQLite itself is not locked.
    elsewhere: dict = {}
    queue = WriterQueue(f"{database}-writer.lock")
    queue.wait_turn(elsewhere)
    events: list[str] = []

    def write() -> None:
        with writers.begin() as connection:
            events.append("writer begins")
            connection.exec_driver_sql("INSERT INTO event VALUES ('written')")

    waiting = threading.Thread(target=write)
    waiting.start()
    time.sleep(0.2)
    events.append("turn ends")
    queue.leave(elsewhere)
    waiting.join()
    assert events == ["turn ends", "writer begins"]
    with writers.connect() as connection:
        assert connection.exec_driver_sql("SELECT name FROM event").scalars().all() == ["written"]


def test_a_writer_stops_queueing_after_its_patience(tmp_path: Path) -> None:
    queue = WriterQueue(str(tmp_path / "lock"), patience=0.05)
    holder: dict = {}
    other: dict = {}
    queue.wait_turn(holder)
    started = time.monotonic()
    queue.wait_turn(other)  # gives up waiting: SQLite's busy timeout decides from here
    assert time.monotonic() - started >= 0.05 and "writing" not in other
    queue.done(holder)
    queue.wait_turn(other)
    assert other["writing"]
    queue.leave(holder)
    queue.leave(other)
