"""Serving Tracker in production: gunicorn worker processes, each with its own database pool."""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from . import create_app

# Rendering a page is processor work, done under one lock a Python process: processes, not
# threads, put the processors to work. Two processes a processor keep it busy while one waits
# for the database or Redis. On 2 cores, 4 processes of 1 thread each rendered the dashboard
# afresh 2 to 3 times as fast as 2 processes of 4 threads, and served cached pages as fast
# (benchmarks/RESULTS.md, "Processes, not threads").
WORKERS_PER_PROCESSOR = 2
DEFAULT_THREADS = 1


def processors() -> int:
    """How many processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class TrackerServer(BaseApplication):
    """Gunicorn's custom application: settings from Tracker's environment, no gunicorn.conf."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        # Settings this gunicorn release does not know are left out, as gunicorn's docs do.
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        # Called in each worker after the fork: no two processes share a database connection.
        app = create_app()
        # What loading made lives as long as the worker: moved out of the collector's reach,
        # its full passes no longer walk it, each a stall of tens of milliseconds. Posting's
        # p99 at S fell from 155-240 ms to 74-93 (benchmarks/RESULTS.md, "The seventh round").
        gc.collect()
        gc.freeze()
        return app


def whole_number(environ: Mapping[str, str], name: str, default: int) -> int:
    """Read a count of at least 1 from the environment."""
    given = environ.get(name, "").strip()
    if not given:
        return default
    if not given.isdigit() or int(given) < 1:
        raise click.ClickException(f"{name} must be a whole number of at least 1, not {given!r}.")
    return int(given)


def server_options(host: str, port: int, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Gunicorn's settings: TRACKER_WORKERS processes (two a processor unless set) of
    TRACKER_THREADS threads each (one unless set)."""
    address = f"[{host}]" if ":" in host else host
    return {
        "bind": f"{address}:{port}",
        "workers": whole_number(environ, "TRACKER_WORKERS", WORKERS_PER_PROCESSOR * processors()),
        "threads": whole_number(environ, "TRACKER_THREADS", DEFAULT_THREADS),
        "worker_class": "gthread",
        "proc_name": "tracker",
        "accesslog": "-",
        "errorlog": "-",
        # Forwarded headers are trusted in one place only: the app's ProxyFix
        # (TRACKER_PROXY_FIX), whatever address the proxy connects from.
        "forwarded_allow_ips": "",
        # Nothing manages Tracker through gunicornc, and a second server on the same host
        # would otherwise fight over the one default socket path.
        "control_socket_disable": True,
    }


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve_command(host: str, port: int) -> None:
    """Serve Tracker with gunicorn, for production."""
    TrackerServer(server_options(host, port)).run()
