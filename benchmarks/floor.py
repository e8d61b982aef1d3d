"""The floor: a bare "hello world" Flask app, served exactly as `tracker serve` serves Tracker."""

from __future__ import annotations

import sys

from flask import Flask

from tracker.serving import TrackerServer, server_options


def hello_app() -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/", "hello", lambda: "hello world")
    return app


class FloorServer(TrackerServer):
    def load(self) -> Flask:
        return hello_app()


if __name__ == "__main__":
    FloorServer(server_options("127.0.0.1", int(sys.argv[1]))).run()
